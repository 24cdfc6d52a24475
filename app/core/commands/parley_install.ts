import { randomBytes } from 'node:crypto'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute } from 'node:path'
import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { emailProblem, passwordProblem } from '#core/commands/user_create'
import { BOOTSTRAP_PASSWORD_ENV } from '#core/commands/parley_bootstrap_admin'

/*
| This command runs before any .env exists, so it does not start the app
| (`startApp: false`: start/env.ts, which needs APP_KEY and friends, is only
| imported when the app boots) and imports no application code. It writes
| .env with plain fs, then runs the steps that need the app in child
| processes that read the fresh .env: `migration:run --force` and
| `parley:bootstrap-admin`.
*/

const DATABASES = ['sqlite', 'mysql'] as const
type Database = (typeof DATABASES)[number]

const MYSQL_KEYS = ['DB_HOST', 'DB_PORT', 'DB_USER', 'DB_PASSWORD', 'DB_DATABASE'] as const

export function generateAppKey(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * The value of KEY in a dotenv text (last assignment wins, quotes removed).
 */
export function readEnvValue(contents: string, key: string): string | undefined {
  let value: string | undefined
  for (const line of contents.split(/\r?\n/)) {
    const match = line.match(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/)
    if (!match || match[1] !== key) continue
    let raw = match[2].trim()
    const quoted = raw.match(/^(['"])(.*)\1$/)
    if (quoted) raw = quoted[2]
    else raw = raw.replace(/\s+#.*$/, '')
    value = raw
  }
  return value
}

/**
 * A value as it must be written in .env: AdonisJS interpolates `$NAME`
 * (escape: `\$`) and dotenv cuts unquoted values at ` #`.
 */
export function formatEnvValue(value: string): string {
  if (/[\r\n]/.test(value)) throw new Error('A .env value cannot contain a line break')
  const escaped = value.replace(/\$/g, '\\$')
  if (/^[A-Za-z0-9_\-.:/@+,=\\$]*$/.test(escaped)) return escaped
  if (!escaped.includes("'")) return `'${escaped}'`
  if (!escaped.includes('"')) return `"${escaped}"`
  throw new Error('A .env value cannot contain both single and double quotes')
}

/**
 * Sets KEY in a dotenv text, replacing every assignment or appending one.
 */
export function setEnvValue(contents: string, key: string, value: string): string {
  const line = `${key}=${formatEnvValue(value)}`
  const pattern = new RegExp(`^[ \\t]*${key}[ \\t]*=.*$`, 'gm')
  if (pattern.test(contents)) return contents.replace(pattern, () => line)
  return `${contents.replace(/\n*$/, '\n')}${line}\n`
}

/**
 * `node ace parley:install`: writes .env, migrates the database, creates the
 * default plans, the permission catalog and the platform super admin.
 * Running it again is safe.
 */
export default class ParleyInstall extends BaseCommand {
  static commandName = 'parley:install'
  static description = 'Install Parley: write .env, run the migrations, create the super admin'
  static help = [
    'Interactive:      node ace parley:install',
    'Unattended:       node ace parley:install --no-interaction --admin-email=admin@example.com --admin-password=secret-123',
    'Existing .env:    node ace parley:install --skip-env --no-interaction --admin-email=... --admin-password=...',
    'Prompts are off with --no-interaction, when CI is set, or when stdin is not a terminal.',
    'The admin email and password may also come from PARLEY_ADMIN_EMAIL / PARLEY_ADMIN_PASSWORD.',
  ]
  static options: CommandOptions = { startApp: false }

  @flags.boolean({
    description: 'Prompt for missing values (--no-interaction: never prompt)',
    showNegatedVariantInHelp: true,
  })
  declare interaction?: boolean

  @flags.string({ description: 'Database for a new .env: sqlite (default) or mysql' })
  declare db?: string

  @flags.string({ description: 'Super admin email' })
  declare adminEmail?: string

  @flags.string({ description: 'Super admin password (8+ characters with a digit)' })
  declare adminPassword?: string

  @flags.string({ description: 'Super admin full name', default: 'Platform admin' })
  declare adminName: string

  @flags.boolean({
    description: 'Leave .env alone (it exists, or the environment provides the values)',
  })
  declare skipEnv?: boolean

  @flags.boolean({ description: 'Overwrite an existing .env (its APP_KEY is kept)' })
  declare force?: boolean

  @flags.boolean({ description: 'Write NODE_ENV=production in a new .env (default: development)' })
  declare production?: boolean

  async run() {
    const interactive =
      this.interaction !== false && !process.env.CI && process.stdin.isTTY === true

    /*
    | 1. Arguments, all checked before anything is written.
    */
    if (this.db !== undefined && !DATABASES.includes(this.db as Database)) {
      return this.fail(`Unknown --db "${this.db}"; use one of: ${DATABASES.join(', ')}`)
    }
    const database: Database = (this.db as Database | undefined) ?? 'sqlite'

    let adminEmail = this.adminEmail ?? process.env.PARLEY_ADMIN_EMAIL
    let adminPassword = this.adminPassword ?? process.env.PARLEY_ADMIN_PASSWORD
    const adminName = this.adminName?.trim() || 'Platform admin'
    if (adminEmail !== undefined) {
      const problem = emailProblem(adminEmail)
      if (problem) return this.fail(`--admin-email: ${problem}`)
    }
    if (adminPassword !== undefined) {
      const problem = passwordProblem(adminPassword)
      if (problem) return this.fail(`--admin-password: ${problem}`)
    }
    if (adminPassword !== undefined && adminEmail === undefined && !interactive) {
      return this.fail('--admin-password needs --admin-email')
    }
    if (adminName.length > 120) return this.fail('--admin-name must be at most 120 characters long')

    if (interactive) {
      if (adminEmail === undefined) {
        adminEmail = await this.prompt.ask('Super admin email', {
          validate: (value) => emailProblem(value) ?? true,
        })
      }
      if (adminPassword === undefined) {
        adminPassword = await this.prompt.secure(
          'Super admin password (ignored if this user already exists)',
          { validate: (value) => passwordProblem(value) ?? true }
        )
      }
    }

    /*
    | 2. .env
    */
    if (this.skipEnv) {
      if (this.force) this.logger.warning('--force has no effect with --skip-env')
      this.logger.info('Leaving .env alone (--skip-env)')
    } else {
      const written = await this.writeEnv(database, interactive)
      if (!written) return
    }
    await this.ensureSqliteDirectory()

    /*
    | 3. Everything that needs the app runs in child processes that load
    |    the .env written above.
    */
    this.logger.info('Running the database migrations')
    const migrated = await this.runAce(['migration:run', '--force'])
    if (migrated !== 0) {
      return this.fail(
        `The migrations failed (exit code ${migrated}); check the database settings (DB_CONNECTION, SQLITE_PATH, DB_*) in .env`
      )
    }

    const bootstrapArgs = ['parley:bootstrap-admin', `--name=${adminName}`]
    if (adminEmail !== undefined) bootstrapArgs.push(`--email=${adminEmail.trim()}`)
    const bootstrapped = await this.runAce(
      bootstrapArgs,
      adminPassword !== undefined ? { [BOOTSTRAP_PASSWORD_ENV]: adminPassword } : {}
    )
    if (bootstrapped !== 0) {
      return this.fail(`Creating the plans and the super admin failed (exit code ${bootstrapped})`)
    }

    this.logger.success('Parley is installed')
    this.logger.log('Next: node ace parley:demo (optional demo workspace), then node ace serve')
  }

  /**
   * Writes .env from .env.example when it is missing (or with --force);
   * fills in an empty APP_KEY in an existing one. False on failure.
   */
  private async writeEnv(database: Database, interactive: boolean): Promise<boolean> {
    const envPath = this.app.makePath('.env')
    const examplePath = this.app.makePath('.env.example')
    const existing = existsSync(envPath) ? await readFile(envPath, 'utf8') : null

    if (existing !== null && !this.force) {
      const key = readEnvValue(existing, 'APP_KEY')
      if (!key) {
        await writeFile(envPath, setEnvValue(existing, 'APP_KEY', generateAppKey()))
        this.logger.info('Generated APP_KEY in the existing .env')
      }
      const current = readEnvValue(existing, 'DB_CONNECTION') ?? 'sqlite'
      if (this.db !== undefined && this.db !== current) {
        this.logger.warning(
          `.env exists with DB_CONNECTION=${current}; --db=${this.db} is ignored (use --force to rewrite .env)`
        )
      }
      if (this.production) {
        this.logger.warning('.env exists; --production is ignored (use --force to rewrite .env)')
      }
      this.logger.info('Keeping the existing .env (use --force to overwrite it)')
      return true
    }

    if (!existsSync(examplePath)) {
      this.fail('.env.example is missing; run this command from a complete Parley checkout')
      return false
    }
    let contents = `# Written by node ace parley:install from .env.example.\n${await readFile(examplePath, 'utf8')}`

    // An overwritten .env keeps its APP_KEY: stored secrets and sessions are encrypted with it.
    const previousKey = existing !== null ? readEnvValue(existing, 'APP_KEY') : undefined
    contents = setEnvValue(contents, 'APP_KEY', previousKey || generateAppKey())
    contents = setEnvValue(contents, 'NODE_ENV', this.production ? 'production' : 'development')
    contents = setEnvValue(contents, 'DB_CONNECTION', database)

    if (database === 'mysql') {
      for (const key of MYSQL_KEYS) {
        const fallback = process.env[key] ?? readEnvValue(contents, key) ?? ''
        let value = fallback
        if (interactive) {
          value =
            key === 'DB_PASSWORD'
              ? await this.prompt.secure(`MySQL ${key}`, {})
              : await this.prompt.ask(`MySQL ${key}`, { default: fallback })
        }
        try {
          contents = setEnvValue(contents, key, value)
        } catch (error) {
          this.fail(`${key}: ${(error as Error).message}`)
          return false
        }
      }
    }

    await writeFile(envPath, contents, { mode: 0o600 })
    if (existing !== null) {
      this.logger.success(`Rewrote .env (--force)${previousKey ? '; kept its APP_KEY' : ''}`)
    } else {
      this.logger.success(`Wrote .env (DB_CONNECTION=${database}, fresh APP_KEY)`)
    }
    return true
  }

  /**
   * SQLite does not create the folder of its database file.
   */
  private async ensureSqliteDirectory() {
    const envPath = this.app.makePath('.env')
    const contents = existsSync(envPath) ? await readFile(envPath, 'utf8') : ''
    const connection =
      process.env.DB_CONNECTION || readEnvValue(contents, 'DB_CONNECTION') || 'sqlite'
    if (connection !== 'sqlite') return
    const file =
      process.env.SQLITE_PATH || readEnvValue(contents, 'SQLITE_PATH') || 'tmp/db.sqlite3'
    await mkdir(dirname(isAbsolute(file) ? file : this.app.makePath(file)), { recursive: true })
  }

  /**
   * Runs `node ace <argv>` in this project; resolves with its exit code.
   */
  private runAce(argv: string[], env: Record<string, string> = {}): Promise<number> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [this.app.makePath('ace.js'), ...argv], {
        cwd: this.app.makePath(),
        stdio: 'inherit',
        env: { ...process.env, ...env },
      })
      child.on('error', (error) => {
        this.logger.error(error.message)
        resolve(1)
      })
      child.on('close', (code) => resolve(code ?? 1))
    })
  }

  private fail(message: string) {
    this.logger.error(message)
    this.exitCode = 1
  }
}
