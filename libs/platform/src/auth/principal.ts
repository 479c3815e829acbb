/** Who is calling. The marketplace backend uses an API key; buyers, sellers and admins use tokens. */
export type Role = 'marketplace' | 'buyer' | 'seller' | 'admin';

export type Principal =
  | { role: 'marketplace'; id: string }
  | { role: 'buyer'; id: string }
  | { role: 'seller'; id: string }
  | { role: 'admin'; id: string; email?: string };

/** The key that scopes idempotency keys and audit lines to one caller. */
export function principalKey(principal: Principal): string {
  return `${principal.role}:${principal.id}`;
}

/** Buyer, seller and other subject ids: what a marketplace may use as its own user ids. */
export const SUBJECT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
