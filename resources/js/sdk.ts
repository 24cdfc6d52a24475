/**
 * The UI kit for plugin pages and slot components (`plugins/<id>/ui`):
 * import from '~/sdk' only, like the server side imports from '#sdk/*'.
 * Part of the SDK's public API (docs/plugins.md, "UI").
 */
export { default as WorkspaceLayout } from '~/layouts/WorkspaceLayout.vue'
export { default as SettingsLayout } from '~/layouts/SettingsLayout.vue'
export { default as Button } from '~/components/Button.vue'
export { default as Checkbox } from '~/components/Checkbox.vue'
export { default as EmptyState } from '~/components/EmptyState.vue'
export { default as Icon } from '~/components/Icon.vue'
export { default as PluginSlot } from '~/components/PluginSlot.vue'
export { default as Select } from '~/components/Select.vue'
export { default as StatusBadge } from '~/components/StatusBadge.vue'
export { default as TextInput } from '~/components/TextInput.vue'
export { useI18n } from '~/composables/useI18n'
export { useRealtime } from '~/composables/useRealtime'
export { firstError, useSharedProps, useWorkspaceProps } from '~/types'
