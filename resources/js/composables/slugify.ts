/**
 * Suggests a workspace address from its name: lowercase ASCII letters,
 * digits and single dashes, at most 48 characters. Names without Latin
 * letters give an empty suggestion; the user types the address instead.
 */
export function slugify(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/g, '')
}
