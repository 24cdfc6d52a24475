import type { ModelPaginatorContract } from '@adonisjs/lucid/types/model'

/**
 * The `meta` block every paginated panel list receives.
 */
export function paginationMeta(
  page: Pick<ModelPaginatorContract<any>, 'currentPage' | 'lastPage' | 'total' | 'perPage'>
) {
  return {
    currentPage: page.currentPage,
    lastPage: page.lastPage,
    total: page.total,
    perPage: page.perPage,
  }
}
