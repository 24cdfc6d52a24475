#!/usr/bin/env bash
#
# Parley installer.
#
#   ./install.sh              native quick start: Node.js >= 20.6, SQLite,
#                             demo workspace, then starts the server
#   ./install.sh --no-start   the same, without starting the server
#   ./install.sh --docker     production stack with Docker Compose
#                             (MySQL, Redis, web, worker)
#
# Environment:
#   PARLEY_ADMIN_EMAIL     super admin email (default admin@parley.local)
#   PARLEY_ADMIN_PASSWORD  super admin password (default: a random one,
#                          printed at the end)
#   PARLEY_WAIT_SECONDS    --docker: how long to wait for the web service
#                          to become healthy (default 300)
#
# Running it again is safe: every step leaves existing data alone.

set -euo pipefail

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT_DIR"

readonly ENV_FILE=".env"
readonly ENV_EXAMPLE=".env.example"
readonly COMPOSE_FILE="docker/docker-compose.yml"
readonly DEFAULT_URL="http://localhost:3333"
readonly DEMO_OWNER_EMAIL="owner@demo.parley.test"
readonly DEMO_OWNER_PASSWORD="parley-demo"
readonly MIN_NODE_MAJOR=20
readonly MIN_NODE_MINOR=6

MODE="native"
START=1

usage() {
  cat <<'EOF'
Usage: ./install.sh [--docker] [--no-start] [--help]

Installs Parley from this checkout.

  (no flag)    Native install on this machine (Node.js >= 20.6): installs
               the npm dependencies, writes .env, migrates the SQLite
               database, creates the super admin and the demo workspace,
               builds the front-end assets and starts the server.
  --docker     Production install with Docker Compose: writes .env with
               fresh secrets if needed, builds and starts the stack in
               docker/docker-compose.yml, runs the migrations and creates
               the super admin inside the web container.
  --no-start   Native: do everything but start the server.
               Docker: only write .env, start nothing.
  -h, --help   Show this help.

Environment:
  PARLEY_ADMIN_EMAIL     super admin email (default admin@parley.local)
  PARLEY_ADMIN_PASSWORD  super admin password (default: random, printed)
  PARLEY_WAIT_SECONDS    --docker: seconds to wait for the web service (300)

See docs/self-hosting.md for details.
EOF
}

log() {
  printf '==> %s\n' "$*"
}

die() {
  printf 'install.sh: error: %s\n' "$*" >&2
  exit 1
}

have() {
  command -v "$1" > /dev/null 2>&1
}

# Random hex string from $1 random bytes.
random_hex() {
  if have openssl; then
    openssl rand -hex "$1"
  else
    od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'
    printf '\n'
  fi
}

# A 32-byte application key, base64 without characters that need quoting.
random_app_key() {
  if have openssl; then
    openssl rand -base64 32 | tr -d '\n=' | tr '+/' '-_'
    printf '\n'
  elif have node; then
    node -e "process.stdout.write(require('node:crypto').randomBytes(32).toString('base64url') + '\n')"
  else
    random_hex 32
  fi
}

# Prints the value of KEY in FILE (last assignment wins, surrounding quotes
# removed), or nothing when it is absent.
env_get() {
  local key="$1" file="$2" line
  [[ -f "$file" ]] || return 0
  line="$(grep -E "^${key}=" "$file" | tail -n 1 || true)"
  line="${line#*=}"
  line="${line%$'\r'}"
  if [[ "$line" =~ ^\"(.*)\"$ || "$line" =~ ^\'(.*)\'$ ]]; then
    line="${BASH_REMATCH[1]}"
  fi
  printf '%s' "$line"
}

# Sets KEY=VALUE in FILE, replacing an existing assignment or appending one.
# The file keeps its permissions.
env_set() {
  local key="$1" value="$2" file="$3" tmp
  tmp="$(mktemp)"
  KEY="$key" VALUE="$value" awk '
    BEGIN { key = ENVIRON["KEY"]; value = ENVIRON["VALUE"]; done = 0 }
    index($0, key "=") == 1 { if (!done) print key "=" value; done = 1; next }
    { print }
    END { if (!done) print key "=" value }
  ' "$file" > "$tmp"
  cat "$tmp" > "$file"
  rm -f "$tmp"
}

# Sets KEY in FILE to a fresh secret when it is missing or empty.
env_ensure_secret() {
  local key="$1" file="$2" generator="$3"
  if [[ -z "$(env_get "$key" "$file")" ]]; then
    env_set "$key" "$("$generator")" "$file"
    log "generated $key in $file"
  fi
}

random_db_password() {
  random_hex 24
}

app_url() {
  local url
  url="$(env_get APP_URL "$ENV_FILE")"
  printf '%s' "${url:-$DEFAULT_URL}"
}

print_admin_credentials() {
  printf '  Super admin:      %s / %s\n' "$ADMIN_EMAIL" "$ADMIN_PASSWORD"
  if [[ "$ADMIN_PASSWORD_GENERATED" == 1 ]]; then
    printf '                    (generated; if this super admin already existed,\n'
    printf '                    its password was left unchanged)\n'
  fi
}

check_node() {
  have node || die "Node.js >= ${MIN_NODE_MAJOR}.${MIN_NODE_MINOR} is required but 'node' was not found. Install it, or use ./install.sh --docker."
  have npm || die "npm was not found. It ships with Node.js; check your Node.js installation."

  local version major minor
  version="$(node -p 'process.versions.node')"
  IFS=. read -r major minor _ <<< "$version"
  if ((major < MIN_NODE_MAJOR || (major == MIN_NODE_MAJOR && minor < MIN_NODE_MINOR))); then
    die "Node.js ${version} is too old: Parley needs ${MIN_NODE_MAJOR}.${MIN_NODE_MINOR} or newer. Upgrade Node.js, or use ./install.sh --docker."
  fi
  log "Node.js ${version}"
}

install_native() {
  check_node

  # `npm install`, not `npm ci`: the lock file lists only the platform
  # binaries (esbuild, rollup, swc, tailwind) its registry served, which
  # `npm ci` rejects; `npm install` keeps the locked versions.
  log "installing dependencies (npm install)"
  npm install --no-audit --no-fund

  # Writes .env (with a fresh APP_KEY) when it is missing, runs the
  # migrations and creates the super admin. Safe to run again.
  log "configuring Parley (SQLite)"
  node ace parley:install --no-interaction --db=sqlite \
    --admin-email="$ADMIN_EMAIL" --admin-password="$ADMIN_PASSWORD"

  log "seeding the demo workspace"
  node ace parley:demo

  log "building the front-end assets"
  npm run build:assets

  printf '\nParley is installed.\n\n'
  printf '  URL:              %s\n' "$(app_url)"
  printf '  Workspace owner:  %s / %s (demo workspace)\n' "$DEMO_OWNER_EMAIL" "$DEMO_OWNER_PASSWORD"
  print_admin_credentials
  printf '\n'

  if ((START)); then
    log "starting the server (Ctrl+C to stop; start it again with: node ace serve)"
    exec node ace serve --no-clear
  fi
  printf 'Start the server with: node ace serve\n'
}

compose() {
  docker compose -f "$COMPOSE_FILE" --env-file "$ENV_FILE" "$@"
}

wait_for_web() {
  local limit="${PARLEY_WAIT_SECONDS:-300}" waited=0 container status
  log "waiting for the web service to become healthy (up to ${limit}s)"
  while ((waited < limit)); do
    container="$(compose ps -q web 2> /dev/null || true)"
    if [[ -n "$container" ]]; then
      status="$(docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$container" 2> /dev/null || true)"
      if [[ "$status" == healthy ]]; then
        return 0
      fi
    fi
    sleep 5
    waited=$((waited + 5))
  done
  compose logs --tail=50 web >&2 || true
  die "the web service did not become healthy within ${limit}s (see the logs above, or: docker compose -f ${COMPOSE_FILE} --env-file ${ENV_FILE} logs web)"
}

install_docker() {
  have docker || die "Docker was not found. Install Docker Engine with the Compose plugin (https://docs.docker.com/engine/install/)."
  docker compose version > /dev/null 2>&1 || die "'docker compose' is not available. Install the Docker Compose plugin (v2.24 or newer)."

  if [[ ! -f "$ENV_FILE" ]]; then
    [[ -f "$ENV_EXAMPLE" ]] || die "$ENV_EXAMPLE is missing; run this script from a complete Parley checkout."
    (umask 077 && cp "$ENV_EXAMPLE" "$ENV_FILE")
    env_set NODE_ENV production "$ENV_FILE"
    log "created $ENV_FILE from $ENV_EXAMPLE"
  fi
  env_ensure_secret APP_KEY "$ENV_FILE" random_app_key
  # Read by docker/docker-compose.yml. Keep them once MySQL has been
  # initialised: changing them later does not change the database users.
  env_ensure_secret DB_PASSWORD "$ENV_FILE" random_db_password
  env_ensure_secret DB_ROOT_PASSWORD "$ENV_FILE" random_db_password

  if ((!START)); then
    printf '\n%s is ready. Start Parley with:\n' "$ENV_FILE"
    printf '  docker compose -f %s --env-file %s up -d --build\n' "$COMPOSE_FILE" "$ENV_FILE"
    printf 'then run ./install.sh --docker again to migrate and create the super admin.\n'
    return 0
  fi

  log "building and starting the stack"
  compose up -d --build

  wait_for_web

  log "running the database migrations"
  compose exec -T web node ace migration:run --force

  log "creating the super admin"
  compose exec -T web node ace parley:install --no-interaction --skip-env \
    --admin-email="$ADMIN_EMAIL" --admin-password="$ADMIN_PASSWORD"

  printf '\nParley is running.\n\n'
  printf '  URL:              %s\n' "$(app_url)"
  print_admin_credentials
  printf '\n'
  printf 'Logs:  docker compose -f %s --env-file %s logs -f\n' "$COMPOSE_FILE" "$ENV_FILE"
  printf 'Stop:  docker compose -f %s --env-file %s down\n' "$COMPOSE_FILE" "$ENV_FILE"
}

main() {
  while (($# > 0)); do
    case "$1" in
      --docker) MODE="docker" ;;
      --no-start) START=0 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        usage >&2
        die "unknown option: $1"
        ;;
    esac
    shift
  done

  ADMIN_EMAIL="${PARLEY_ADMIN_EMAIL:-admin@parley.local}"
  ADMIN_PASSWORD_GENERATED=0
  if [[ -n "${PARLEY_ADMIN_PASSWORD:-}" ]]; then
    ADMIN_PASSWORD="$PARLEY_ADMIN_PASSWORD"
  else
    ADMIN_PASSWORD="$(random_hex 12)"
    ADMIN_PASSWORD_GENERATED=1
  fi

  if [[ "$MODE" == docker ]]; then
    install_docker
  else
    install_native
  fi
}

main "$@"
