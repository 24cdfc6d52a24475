/**
 * Bouncer policies, lazily imported. Each module adds its own here.
 */
export const policies = {
  MemberPolicy: () => import('#core/policies/member_policy'),
  RolePolicy: () => import('#core/policies/role_policy'),
}
