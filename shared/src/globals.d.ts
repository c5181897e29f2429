/**
 * Globals that every runtime of this package has (Node ≥ 17 and every current browser) but that the ES
 * library types leave out; shared/ is compiled without Node's or the DOM's types on purpose.
 */
declare function structuredClone<T>(value: T): T;
