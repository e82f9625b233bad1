#!/usr/bin/env bash
# Fails when a file in the repository cites a document that is not in it. The design notes this project
# started from live outside the repository; what the code relies on is written down in
# docs/architecture.md, so that is what files cite. Run by `pnpm lint`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Split so this script does not match itself.
pattern='DESIGN''\.md|/work/''shared|\.\./shared/''fixtures'
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # Tracked and new (not ignored) files: what a commit would contain.
  hits=$(git ls-files -z --cached --others --exclude-standard | xargs -0 grep -nIE "$pattern" -- 2>/dev/null || true)
else
  hits=$(grep -rnIE --exclude-dir=node_modules --exclude-dir=.git --exclude-dir=.tools --exclude-dir=dist "$pattern" . || true)
fi
if [ -n "$hits" ]; then
  echo "$hits" >&2
  echo "These lines cite a document that is not in the repository: cite docs/architecture.md (or the doc that holds it) instead." >&2
  exit 1
fi
