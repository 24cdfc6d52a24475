import { classifyMetaError } from '#channels/meta/error_codes'

/**
 * What to show an agent for a Meta error: Parley's explanation of a known
 * code, else Meta's own details.
 */
export function metaErrorMessage(code: number | null, details: string | null): string | null {
  if (code === null) return details
  return classifyMetaError(code, 1, details).userMessage
}
