import Notification from '#core/models/notification'

/**
 * The bell in the top bar: unread count and the ten latest notifications
 * of one member (current workspace).
 */
export async function memberNotifications(userId: number) {
  const [unread] = await Notification.query()
    .where('user_id', userId)
    .whereNull('read_at')
    .count('* as total')
  const latest = await Notification.query().where('user_id', userId).orderBy('id', 'desc').limit(10)
  return {
    unread: Number(unread.$extras.total),
    latest: latest.map((item) => ({
      id: item.publicId,
      type: item.type,
      data: item.data,
      readAt: item.readAt?.toISO() ?? null,
      createdAt: item.createdAt.toISO(),
    })),
  }
}
