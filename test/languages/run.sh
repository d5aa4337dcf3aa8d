#!/usr/bin/env bash
# The README's release from Python, Java and Go, as their users would write it, against the packages in dist/
# (`npx projen package-all`): each program's YAML must equal the TypeScript app's byte for byte
# (test/languages/reference.ts), and a refused input (weights adding to 110) must raise that language's exception
# carrying our message.
#
#   bash test/languages/run.sh                 # python, java, go
#   bash test/languages/run.sh python go       # some of them
#
# Installs what it needs under test/languages/.build/ (gitignored): a Python venv (pip, PyPI), Maven artifacts
# (Maven Central, into the usual local repository), Go modules (the Go module proxy). Where a registry does not serve
# a dependency (cdk8s on the Go module proxy), it generates that dependency's module from its npm package with
# jsii-pacmak, as its publishers do, and says so.
# Environment: LANGUAGES_OUT (where the YAML goes; default .build/out), JSII_PACMAK (default node_modules/.bin),
# MAVEN_LOCAL_REPOSITORY (default ~/.m2/repository).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build="$here/.build"
out="${LANGUAGES_OUT:-$build/out}"
pacmak="${JSII_PACMAK:-$root/node_modules/.bin/jsii-pacmak}"
mkdir -p "$build"
cd "$root"

# The jsii runtime (node) warns at every start that Node 20 is past its end of life; that is the machine's Node.
JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=$(node -p 'process.versions.node.split(".")[0]')
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION

langs=("$@")
[ ${#langs[@]} -gt 0 ] || langs=(python java go)
for lang in "${langs[@]}"; do
  case "$lang" in python|java|go) ;; *) echo "unknown language '$lang' (python, java, go)" >&2; exit 2;; esac
done

version=$(node -p 'require("./package.json").version')
npm_version() { node -p "require('./node_modules/$1/package.json').version"; }
cdk8s_version=$(npm_version cdk8s)
constructs_version=$(npm_version constructs)

# The refusal every language must raise: our message (weights are a map, so any order of the two).
refusal='canary "reviews": weights must add up to 100 \(got (v1=90 v2=20|v2=20 v1=90)\); adjust them so they sum to 100 \(they sum to 110\)'

declare -A result seconds
failures=0
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { printf '\n== %s\n' "$*"; }
fail() { echo "FAIL ($1): $2" >&2; result[$1]="FAIL: $2"; failures=$((failures + 1)); }

# $1 language, $2 its outdir, $3 what the refused run printed, $4 its exit code, $5 the exception type expected
check() {
  local lang=$1 dir=$2 refused code=$4 type=$5
  refused=$(sed 's/\x1b\[[0-9;]*m//g' <<<"$3") # Maven's colours
  if ! diff -r "$out/typescript" "$dir" >"$build/$lang.diff"; then
    fail "$lang" "YAML differs from TypeScript's (diff in $build/$lang.diff; is dist/ older than src/? npx projen package-all)"
    head -40 "$build/$lang.diff" >&2; return
  fi
  local line
  line=$(grep -F "REFUSED $type: " <<<"$refused" | head -1)
  if [ "$code" != 3 ] || [ "${line#"REFUSED $type: "}" = "$line" ] || ! grep -Eq "^(Error: )?$refusal\$" <<<"${line#"REFUSED $type: "}"; then
    fail "$lang" "refused input: exit $code, expected 3 and 'REFUSED $type: <our message>'"; printf '%s\n' "$refused" | head -20 >&2; return
  fi
  result[$lang]="ok: YAML identical ($(find "$dir" -type f | wc -l) file(s)); refusal raised $type"
  echo "${result[$lang]}"
  echo "   $line"
}

# Builds the package of an npm dependency for one language with jsii-pacmak, into $build/deps/<pkg>-<version>/<lang>.
deps_dir() { echo "$build/deps/$1-$(npm_version "$1")"; }
pacmak_dep() {
  local target=$1 pkg=$2 src dest
  dest=$(deps_dir "$pkg")
  [ -x "$pacmak" ] || { echo "jsii-pacmak not found at $pacmak (npm ci first, or set JSII_PACMAK)" >&2; return 1; }
  # A copy outside the repository (no .d.ts or package.json under test/ for tsc and jest to find); pacmak writes beside it.
  src=$(mktemp -d) && mkdir -p "$build/deps"
  ln -sfn "$root/node_modules" "$src/node_modules" # its own dependencies (cdk8s, constructs) resolve from here
  cp -a "node_modules/$pkg" "$src/$pkg"
  local flags=()
  [ "$target" = go ] && flags=(--code-only) # go mod tidy would ask the proxy for the same missing modules
  (cd "$src" && "$pacmak" --targets "$target" "${flags[@]}" -o "$dest" "$pkg") >"$dest-$target.log" 2>&1 \
    || { echo "jsii-pacmak --targets $target $pkg failed; see $dest-$target.log" >&2; rm -rf "$src"; return 1; }
  rm -rf "$src"
}

# ---------------------------------------------------------------------------------------------------------------- TS
say "typescript (reference): node -r sucrase/register/ts test/languages/reference.ts"
t=$(now)
rm -rf "$out" && mkdir -p "$out"
if ! node -r sucrase/register/ts test/languages/reference.ts "$out/typescript"; then
  echo "the TypeScript reference failed" >&2; exit 1
fi
refused=$(REFUSE=1 node -r sucrase/register/ts test/languages/reference.ts "$out/typescript-refused" 2>&1); code=$?
if [ "$code" != 3 ] || ! grep -Eq "^REFUSED Error: $refusal\$" <<<"$refused"; then
  echo "the TypeScript reference did not refuse as expected (exit $code):" >&2; printf '%s\n' "$refused" >&2; exit 1
fi
echo "reference: $(find "$out/typescript" -type f -printf '%P %s bytes\n')  ($(elapsed "$t") s)"

# ------------------------------------------------------------------------------------------------------------ Python
run_python() {
  local wheel
  wheel=$(ls -t dist/python/*.whl 2>/dev/null | head -1)
  [ -n "$wheel" ] || { fail python "no wheel in dist/python (npx projen package-all, or package:python)"; return; }
  say "python: $wheel, $(tr '\n' ' ' < <(grep -v '^#' "$here/python/requirements.txt"))"
  local pkg want got
  for pkg in cdk8s constructs; do
    want=$(npm_version "$pkg"); got=$(sed -n "s/^$pkg==//p" "$here/python/requirements.txt")
    [ "$got" = "$want" ] || { fail python "requirements.txt pins $pkg==$got, node_modules has $want: pin the same version"; return; }
  done
  local venv="$build/python/venv"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { fail python "python3 -m venv failed"; return; }
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/python/requirements.txt" "$wheel" \
    && "$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel" \
    || { fail python "pip install failed"; return; }
  "$venv/bin/python" "$here/python/app.py" "$out/python" || { fail python "app.py failed"; return; }
  local refused code
  refused=$(REFUSE=1 "$venv/bin/python" "$here/python/app.py" "$out/python-refused" 2>&1); code=$?
  check python "$out/python" "$refused" "$code" RuntimeError
}

# -------------------------------------------------------------------------------------------------------------- Java
run_java() {
  local jar="dist/java/io/github/cdk8s-istio-canary/cdk8s-istio-canary/$version/cdk8s-istio-canary-$version.jar"
  [ -f "$jar" ] || { fail java "no $jar (npx projen package-all, or package:java)"; return; }
  say "java: $jar with org.cdk8s:cdk8s:$cdk8s_version, software.constructs:constructs:$constructs_version"
  local mvn=(mvn -q -B -f "$here/java/pom.xml" -Dcanary.version="$version" -Dcdk8s.version="$cdk8s_version"
    -Dconstructs.version="$constructs_version" -Dcanary.repo="file://$root/dist/java")
  [ -n "${MAVEN_LOCAL_REPOSITORY:-}" ] && mvn+=(-Dmaven.repo.local="$MAVEN_LOCAL_REPOSITORY")
  # Maven keeps a release it has fetched for good: drop ours, so that this run takes the jar just packed.
  rm -rf "${MAVEN_LOCAL_REPOSITORY:-$HOME/.m2/repository}/io/github/cdk8s-istio-canary"
  # (Debian's Maven 3.8 prints colour resets even with -B -q; they are dropped.)
  "${mvn[@]}" compile exec:java -Dexec.args="$out/java" 2>&1 | sed 's/\x1b\[[0-9;]*m//g'
  [ "${PIPESTATUS[0]}" -eq 0 ] || { fail java "mvn compile exec:java failed"; return; }
  local refused code
  refused=$(REFUSE=1 "${mvn[@]}" exec:java -Dexec.args="$out/java-refused" 2>&1); code=$?
  check java "$out/java" "$refused" "$code" java.lang.RuntimeException
}

# ---------------------------------------------------------------------------------------------------------------- Go
run_go() {
  local mod="$root/dist/go/cdk8sistiocanary"
  [ -f "$mod/go.mod" ] || { fail go "no $mod/go.mod (npx projen package-all, or package:go)"; return; }
  local path
  path=$(sed -n 's/^module //p' "$mod/go.mod")
  say "go: $path from dist/go/cdk8sistiocanary"
  # Go wants /vN at the end of a module path from major version 2 on; main.go imports the path go.mod requires.
  local want
  want=$(sed -n 's/^\t\(github.com\/cdk8s-istio-canary\/[^ ]*\) v.*/\1/p' "$here/go/go.mod")
  [ "$path" = "$want" ] || { fail go "dist/go/cdk8sistiocanary/go.mod names $path (version $version), test/languages/go imports $want: update go.mod and main.go"; return; }
  # The committed go.mod is what a user writes; this run works on a copy (-modfile) with absolute replace paths.
  local gobuild="$build/go" modfile="$build/go/go.mod"
  mkdir -p "$gobuild" && cp "$here/go/go.mod" "$modfile" && rm -f "$gobuild/go.sum"
  local edits=(-replace "$path=$mod" -require "$path@v$version" -require "github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2@v$cdk8s_version"
    -require "github.com/aws/constructs-go/constructs/v10@v$constructs_version")
  # cdk8s (and cdk8s-plus-27, should the library name it again) as jsii-pacmak generates them for their own Go
  # modules, where the proxy does not serve them.
  local m modver pkg dir
  for m in "github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2:cdk8s:cdk8s" "github.com/cdk8s-team/cdk8s-plus-go/cdk8splus27/v2:cdk8s-plus-27:cdk8splus27"; do
    IFS=: read -r modver pkg dir <<<"$m"
    [ "$dir" = cdk8s ] || grep -q "$modver " "$mod/go.mod" || continue
    modver="$modver@v$(npm_version "$pkg")"
    if ! (cd "$build" && go mod download "$modver" >/dev/null 2>&1); then
      if [ ! -f "$(deps_dir "$pkg")/go/$dir/go.mod" ]; then
        echo "the Go module proxy does not serve $modver here: generating it from node_modules/$pkg with jsii-pacmak"
        pacmak_dep go "$pkg" || { fail go "could not generate $modver"; return; }
      fi
      edits+=(-replace "${modver%@*}=$(deps_dir "$pkg")/go/$dir")
    fi
  done
  (cd "$here/go" && go mod edit -modfile="$modfile" "${edits[@]}" && go mod tidy -modfile="$modfile" \
    && go build -modfile="$modfile" -o "$gobuild/bookinfo-release" .) || { fail go "go mod tidy / go build failed"; return; }
  "$gobuild/bookinfo-release" "$out/go" || { fail go "the program failed"; return; }
  local refused code
  refused=$(REFUSE=1 "$gobuild/bookinfo-release" "$out/go-refused" 2>&1); code=$?
  check go "$out/go" "$refused" "$code" 'panic(*errors.errorString)'
}

for lang in "${langs[@]}"; do
  t=$(now)
  "run_$lang"
  seconds[$lang]=$(elapsed "$t")
done

printf '\n== summary (package version %s; cdk8s %s, constructs %s)\n' "$version" "$cdk8s_version" "$constructs_version"
for lang in "${langs[@]}"; do
  printf '%-7s %7s s  %s\n' "$lang" "${seconds[$lang]}" "${result[$lang]:-FAIL: no result}"
done
passed=$(( ${#langs[@]} - failures ))
echo "${passed} passed, ${failures} failed"
[ "$failures" -eq 0 ]
