/**
 * A value made once, off the event loop, by the first reader who asks for it. Until it is ready
 * there is none (the reader is answered another way), and if making it failed, the next reader
 * tries again.
 */
export class MadeOnce<T> {
  private value: T | null = null;
  private making = false;

  constructor(private readonly make: () => Promise<T>) {}

  ready(): T | null {
    if (this.value !== null || this.making) return this.value;
    this.making = true;
    this.make().then(
      (value) => {
        this.value = value;
      },
      () => {
        this.making = false;
      },
    );
    return null;
  }
}
