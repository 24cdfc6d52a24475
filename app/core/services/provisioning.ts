/**
 * Steps that run inside a new workspace's tenant context when it is
 * provisioned. Core owns the registry; modules register their defaults
 * (start/provisioning.ts) so core never imports them.
 */
export type ProvisioningStep = { name: string; run: () => Promise<void> }

const steps: ProvisioningStep[] = []

export const provisioning = {
  register(step: ProvisioningStep) {
    if (!steps.some((existing) => existing.name === step.name)) steps.push(step)
  },
  steps(): readonly ProvisioningStep[] {
    return steps
  },
}
