import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Contact from '#contacts/models/contact'
import { tenancy } from '#core/tenancy/context'
import { refreshContactStatistics } from '#contacts/services/table_statistics'
import { makeWorkspace } from '#tests/helpers/fixtures'

test.group('Contacts: planner statistics', () => {
  test('the refresh collects statistics the planner reads', async ({ assert }) => {
    const { workspace } = await makeWorkspace()
    await tenancy.run(workspace.id, async () => {
      for (let index = 0; index < 5; index++) {
        await Contact.create({
          phone: `+1555091${String(index).padStart(4, '0')}`,
          source: 'manual',
        })
      }
    })

    const connection = db.connection()
    const mariadb =
      connection.dialect.name === 'mysql' &&
      /mariadb/i.test(String((await connection.rawQuery('SELECT VERSION() AS v'))[0][0].v))
    // Statistics left by an earlier run of the suite on this database do not count.
    if (mariadb) {
      await connection.rawQuery(
        "DELETE FROM mysql.column_stats WHERE db_name = DATABASE() AND table_name = 'contacts'"
      )
    } else if (connection.dialect.name === 'mysql') {
      await connection.rawQuery(
        "DELETE FROM mysql.innodb_table_stats WHERE database_name = DATABASE() AND table_name = 'contacts'"
      )
    } else {
      const stat = await connection.rawQuery(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'"
      )
      if (stat.length) await connection.rawQuery("DELETE FROM sqlite_stat1 WHERE tbl = 'contacts'")
    }

    const result = await refreshContactStatistics()
    assert.include(result.tables, 'contacts')

    if (connection.dialect.name === 'mysql') {
      if (mariadb) {
        // Column histograms (engine-independent statistics) now exist for contacts.
        const [rows] = await connection.rawQuery(
          "SELECT COUNT(*) AS total FROM mysql.column_stats WHERE db_name = DATABASE() AND table_name = 'contacts'"
        )
        assert.isAbove(Number(rows[0].total), 0)
      } else {
        // ANALYZE wrote the InnoDB statistics row deleted above.
        const [rows] = await connection.rawQuery(
          "SELECT COUNT(*) AS total FROM mysql.innodb_table_stats WHERE database_name = DATABASE() AND table_name = 'contacts'"
        )
        assert.isAbove(Number(rows[0].total), 0)
      }
    } else {
      const rows = await connection.rawQuery("SELECT tbl FROM sqlite_stat1 WHERE tbl = 'contacts'")
      assert.isAbove(rows.length, 0)
    }
  })
})
