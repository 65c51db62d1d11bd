// The native library is loaded with the first password to hash or check, not at start: a process
// that only serves readers never needs it.
let argon2: Promise<typeof import('@node-rs/argon2')> | null = null;
const library = () => (argon2 ??= import('@node-rs/argon2'));

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. (2 = Algorithm.Argon2id; the enum is const.)
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = async (password: string): Promise<string> => (await library()).hash(password, OPTIONS);

// Verifying against this when the account does not exist keeps login time the same either way.
let dummyHash: Promise<string> | null = null;

export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  const { verify } = await library();
  if (!stored) {
    dummyHash ??= hashPassword('parley-dummy-password');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(stored, password).catch(() => false);
}
