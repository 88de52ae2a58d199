# shellcheck shell=bash
# Sourced by setup.sh and start.sh: exports each KEY=value of .env that the environment does not
# already set, so `PORT=4100 npm start` wins over .env (as with docker compose). Lines are read as
# data, never executed; surrounding quotes are removed.
if [[ -f .env ]]; then
  while IFS= read -r line || [[ -n "$line" ]]; do
    [[ "$line" =~ ^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
    key="${BASH_REMATCH[2]}"
    value="${BASH_REMATCH[3]}"
    [[ -n "${!key+set}" ]] && continue
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value="${BASH_REMATCH[1]}"; fi
    export "$key=$value"
  done <.env
  unset line key value
fi
