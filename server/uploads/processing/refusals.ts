/** The ways processing refuses a file: each a stable code with an `errors.<code>` sentence in every catalogue. */
import { tooLarge, unprocessable, unsupportedType } from '../../errors/errors.js';

/** Not a type Parley keeps (SVG, HTML, archives, programs…), or a download type this community does not accept. */
export const unsupportedFile = () =>
  unsupportedType(
    'unsupported_type',
    'This kind of file cannot be uploaded here: images are PNG, JPEG, WebP or GIF; other files only where the community accepts them.',
  );

/** More pixels than we decode: a decompression bomb, or simply a photo far larger than any post needs. */
export const imageTooLarge = (maxPixels: number) => tooLarge('image_too_large', `The image has more than ${maxPixels} pixels.`, { maxPixels });

/** Claims a type it does not hold to: truncated, corrupt, or empty. */
export const unreadableFile = () => unprocessable('unreadable_file', 'The file is damaged or incomplete and cannot be read.');
