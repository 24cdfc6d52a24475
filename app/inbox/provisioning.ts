import BusinessHour from '#inbox/models/business_hour'

/**
 * Default business hours for a new workspace: Monday to Friday,
 * 09:00-17:00 in the workspace timezone.
 */
export async function provisionBusinessHours() {
  await BusinessHour.createMany(
    [1, 2, 3, 4, 5].map((weekday) => ({ weekday, opensAt: '09:00', closesAt: '17:00' }))
  )
}
