// Role name matchers of request/review conditions (upstream lib/utils/parse NewMatcher): "^…$" is a
// regular expression, otherwise "*" is a wildcard and the rest is literal; trait templates such as
// "{{internal.x}}" expand to one matcher per value.
import { interpolate } from '../rbac.js';

export type Matcher = (role: string) => boolean;

function literalRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function newMatcher(pattern: string): Matcher {
  if (pattern.startsWith('^') && pattern.endsWith('$')) {
    let re: RegExp;
    try {
      re = new RegExp(pattern);
    } catch {
      return () => false;
    }
    return (role) => re.test(role);
  }
  if (!pattern.includes('*')) return (role) => role === pattern;
  const re = new RegExp(`^${pattern.split('*').map(literalRegex).join('.*')}$`);
  return (role) => re.test(role);
}

/** Matchers for a role list, trait templates expanded from the user's traits. */
export function roleMatchers(patterns: string[] | undefined, traits: Record<string, string[]>): Matcher[] {
  return (patterns ?? []).flatMap((p) => interpolate(p, traits)).map(newMatcher);
}

export const anyMatch = (ms: Matcher[], role: string): boolean => ms.some((m) => m(role));
