// Password strength check for new passwords (user add, passwd): answers with a one-line reason
// when a password is too weak or unusable, else undefined. Input it does not trust: the
// password and the address (user input); neither is ever echoed back in the reason.
//
// Standards: NIST SP 800-63B §5.1.1.2 (a length floor and a check against commonly used
// passwords rather than composition rules); RFC 4013 (the password must survive SASLprep to be
// usable with SCRAM); RFC 4616 §2 (PLAIN carries at most 255 octets of password).

import { saslprep } from './saslprep.ts';

export const MIN_PASSWORD_CHARACTERS = 10;
export const MIN_DISTINCT_CHARACTERS = 5;
/** RFC 4616 §2: passwd is at most 255 octets, so longer passwords cannot log in with PLAIN. */
export const MAX_PASSWORD_OCTETS = 255;
/** Local parts shorter than this are not looked for inside the password. */
const MIN_LOCAL_PART_TO_MATCH = 3;

/** Very common passwords (lower case), from the usual breach top lists, 10 characters or more. */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  'password123', 'password1234', 'password12', 'password!1', 'passw0rd123', 'p@ssw0rd123',
  'qwertyuiop', 'qwertyuiop123', 'qwerty123456', 'qwerty12345', '1qaz2wsx3edc', 'zaq12wsxcde',
  'asdfghjkl1', 'asdfghjkl123', 'zxcvbnm123', '1q2w3e4r5t', '1q2w3e4r5t6y', 'q1w2e3r4t5',
  'q1w2e3r4t5y6', '1234567890', '0123456789', '12345qwert', '123456789a', '1234567890a',
  'abcdefghij', 'abcd123456', 'abc1234567', 'iloveyou123', 'iloveyou12', 'letmein123',
  'welcome123', 'welcome1234', 'sunshine123', 'football123', 'baseball123', 'princess123',
  'dragon1234', 'monkey1234', 'master1234', 'superman123', 'trustno1234', 'whatever123',
  'changeme123', 'administrator', 'admin12345', 'admin123456', 'computer123', 'internet123',
  'starwars123', 'michael123', 'jennifer123', 'charlie123', 'shadow1234', 'liverpool1',
  'chocolate1', 'basketball', 'strongpassword', 'mypassword', 'mypassword1', 'secret1234',
]);

/** A one-line reason the password should not be accepted, or undefined when it is fine. */
export function checkPasswordStrength(password: string, address: string): string | undefined {
  if (password.length === 0) return 'the password is empty';
  const prepared = saslprep(password, 'stored');
  if (!prepared.ok) return 'the password contains control or other prohibited characters (RFC 4013)';
  if (Buffer.byteLength(prepared.value, 'utf8') > MAX_PASSWORD_OCTETS) {
    return `the password is longer than ${MAX_PASSWORD_OCTETS} bytes`;
  }
  const characters = Array.from(prepared.value);
  if (characters.length < MIN_PASSWORD_CHARACTERS) {
    return `the password is shorter than ${MIN_PASSWORD_CHARACTERS} characters`;
  }
  if (new Set(characters).size < MIN_DISTINCT_CHARACTERS) {
    return `the password has fewer than ${MIN_DISTINCT_CHARACTERS} different characters`;
  }
  const lower = prepared.value.toLowerCase();
  const at = address.lastIndexOf('@');
  const local = (at >= 0 ? address.slice(0, at) : address).normalize('NFKC').toLowerCase();
  if (Array.from(local).length >= MIN_LOCAL_PART_TO_MATCH && lower.includes(local)) {
    return 'the password contains the user name';
  }
  if (COMMON_PASSWORDS.has(lower)) return 'the password is one of the most common passwords';
  return undefined;
}
