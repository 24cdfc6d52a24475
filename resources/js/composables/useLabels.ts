import { useI18n } from '~/composables/useI18n'

/**
 * Labels for things the server names in English (system roles, the
 * permission catalog, audit actions): the translation when there is one,
 * else the server's own text.
 */
export function useLabels() {
  const { tOr } = useI18n()

  function roleName(role: { name: string; key?: string | null }): string {
    return role.key ? tOr(`ui.roles.names.${role.key}`, role.name) : role.name
  }

  function permissionLabel(key: string, fallback?: string): string {
    return tOr(`ui.permissions.${key}`, fallback ?? key)
  }

  function moduleLabel(module: string): string {
    return tOr(`ui.modules.${module}`, module)
  }

  function auditAction(action: string): string {
    return tOr(`ui.audit.actions.${action}`, action)
  }

  return { roleName, permissionLabel, moduleLabel, auditAction }
}
