import { paginationMeta } from '#core/helpers/pagination'
import type { HttpContext } from '@adonisjs/core/http'
import db from '@adonisjs/lucid/services/db'
import User from '#core/models/user'

export default class AdminUsersController {
  async index({ inertia, request }: HttpContext) {
    const q = String(request.input('q', '')).trim()
    const query = User.query()
      .select('users.*')
      .select(
        db
          .from('memberships')
          .count('*')
          .whereColumn('memberships.user_id', 'users.id')
          .as('workspaces_count')
      )
      .orderBy('id', 'desc')
    if (q)
      query.where((where) =>
        where.whereILike('email', `%${q}%`).orWhereILike('full_name', `%${q}%`)
      )
    const page = await query.paginate(Math.max(1, Number(request.input('page', 1)) || 1), 25)
    return inertia.render('admin/users', {
      users: {
        data: page.all().map((user) => ({
          id: user.publicId,
          fullName: user.fullName,
          email: user.email,
          isSuperAdmin: user.isSuperAdmin,
          workspacesCount: Number(user.$extras.workspaces_count ?? 0),
          createdAt: user.createdAt.toISO(),
        })),
        meta: paginationMeta(page),
      },
      filters: { q },
    })
  }
}
