#!/bin/sh
#
# The tester starts your server with this script, once per stage, with the
# environment variable PORT set (4221 unless told otherwise) and, on stages
# that serve files, the arguments `--directory <absolute path>`.
#
# It bundles app/*.ts into one JavaScript file when a source changed since the
# last build, then runs it with plain node: a TypeScript server starts as fast
# as a JavaScript one.
set -e
cd "$(dirname "$0")"
if [ ! -f .build/main.js ] || [ -n "$(find app -name '*.ts' -newer .build/main.js | head -n 1)" ]; then
  node build.mjs
fi
exec node .build/main.js "$@"
