/**
 * Cohorts of users: a fixed share of users picked by the last two characters of their id, as a regex on the header
 * that carries it (the design of fluxcd/flagger#901). The same id always falls in the same bucket, so a user always
 * gets the same version; a cohort is the first `n` buckets, so growing it keeps the users it had.
 */
import { RE2JS } from '@bufbuild/re2';
import { refuse, show } from './errors';

/** How user ids end, which says how they fall into buckets (`Match.userCohort`). */
export enum UserIdFormat {
  /**
   * Ids ending in two decimal digits (numeric ids, `user-1042`): 100 buckets by the last two digits, so every whole
   * percent is a cohort. Ids ending otherwise (a single digit, a letter) are in no cohort.
   */
  DECIMAL = 'decimal',
  /**
   * Ids ending in two hex digits, either case (UUIDs, hashes, MongoDB ObjectIds): 256 buckets by the last two
   * digits, so a cohort is a multiple of 100/256 % (0.390625%: 6.25%, 12.5%, 25%, 50% are exact; 1%, 5%, 10% are
   * not). Decimal ids must not use it: their last digits are never `a` to `f`, so the shares would be wrong.
   */
  HEX = 'hex',
}

/** The buckets of a format: how many, and the characters of one digit, in bucket order. */
const DIGITS: Record<UserIdFormat, string> = {
  [UserIdFormat.DECIMAL]: '0123456789',
  [UserIdFormat.HEX]: '0123456789abcdef',
};

const FORMAT_NAMES: Record<UserIdFormat, string> = {
  [UserIdFormat.DECIMAL]: 'decimal',
  [UserIdFormat.HEX]: 'hex',
};

/** A character class for the digits with values `lo` to `hi` (both in), upper and lower case for hex letters. */
function digitClass(format: UserIdFormat, lo: number, hi: number): string {
  const chars = DIGITS[format].slice(lo, hi + 1);
  const digits = chars.replace(/[a-f]/g, '');
  const letters = chars.replace(/[0-9]/g, '');
  const range = (s: string) => (s.length === 0 ? '' : s.length === 1 ? s : s.length === 2 ? s : `${s[0]}-${s[s.length - 1]}`);
  const body = range(digits) + range(letters) + range(letters.toUpperCase());
  return body.length === 1 ? body : `[${body}]`;
}

/** Percent with at most six decimals, without trailing zeros: 9.765625, 12.5, 10. */
function percentText(p: number): string {
  return `${Number(p.toFixed(6))}%`;
}

/**
 * The RE2 expression (a full match, as Istio and Gateway API compare header regexes) that takes the ids in the first
 * `percent` of the buckets of `format`.
 * @throws when `percent` is not more than 0 and at most 100, or is not a whole number of buckets
 */
export function cohortRegex(header: string, percent: number, format: UserIdFormat): string {
  const subject = 'Match.userCohort';
  if (!Object.values(UserIdFormat).includes(format)) {
    refuse(subject, 'ids must be a UserIdFormat', show(format), 'pass UserIdFormat.DECIMAL for ids ending in decimal digits, UserIdFormat.HEX for UUIDs and other hex ids');
  }
  if (typeof percent !== 'number' || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
    refuse(subject, `the share of users of header ${show(header)} must be a number more than 0 and at most 100`, show(percent),
      'give the percent of users, e.g. 10');
  }
  const base = DIGITS[format].length;
  const buckets = base * base;
  const exact = (percent * buckets) / 100;
  const n = Math.round(exact);
  if (Math.abs(exact - n) > 1e-9) {
    const below = Math.max(1, Math.floor(exact));
    const above = Math.min(buckets, Math.ceil(exact));
    const share = (k: number) => `${percentText((k * 100) / buckets)} (${k} of ${buckets} buckets)`;
    const near = below === above ? share(below) : `${share(below)} or ${share(above)}`;
    refuse(subject, `a cohort of ${percentText(percent)} of users cannot be said with the ${buckets} buckets of the last two ${FORMAT_NAMES[format]} digits of header ${show(header)}`,
      show(percent), `use ${near}${format === UserIdFormat.HEX ? ', or, if the ids end in two decimal digits, UserIdFormat.DECIMAL, which has 1% steps' : ''}`);
  }
  // The ids whose last two digits, read as a number, are below n: a tens digit below n / base, any last digit; or the
  // tens digit n / base and a last digit below n % base.
  const tens = Math.floor(n / base);
  const units = n % base;
  const any = digitClass(format, 0, base - 1);
  const parts: string[] = [];
  if (tens > 0) parts.push(`${digitClass(format, 0, tens - 1)}${any}`);
  if (units > 0) parts.push(`${digitClass(format, tens, tens)}${digitClass(format, 0, units - 1)}`);
  const regex = `.*${parts.length === 1 ? parts[0] : `(?:${parts.join('|')})`}`;
  // Envoy and Istio take RE2; this expression is ours, so a failure here is a bug, not a user's mistake.
  RE2JS.compile(regex);
  return regex;
}
