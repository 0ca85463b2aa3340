#!/usr/bin/env bash
# Vendors the pinned front-end assets (package-lock.json) into static/vendor/, which is committed,
# so running the service never needs node. Re-run after changing a version in package.json.
set -euo pipefail

web_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$web_dir"

npm ci --no-audit --no-fund

govuk_src="node_modules/govuk-frontend/dist/govuk"
htmx_src="node_modules/htmx.org/dist"
vendor="static/vendor"
govuk_out="$vendor/govuk-frontend"
htmx_out="$vendor/htmx"
# NOTE: the service serves web/static/ at /static/; the dist css points at /assets/... (absolute), so the
# copy rewrites those URLs to where the assets really are.
asset_url="/static/vendor/govuk-frontend/assets/"

rm -rf "$govuk_out" "$htmx_out"
mkdir -p "$govuk_out" "$htmx_out"

# Reciprocal is not on GOV.UK, so it must not use the GDS Transport font, the crown or the Royal Arms.
# The css copy therefore drops:
# - the source map comment (the css is rewritten, so the map would be wrong);
# - every @font-face rule for GDS Transport, and the font's copyright comment: text falls back to the rest
#   of each font stack (arial, sans-serif);
# - every rule that draws the Royal Arms (govuk-crest.svg, used by .govuk-footer__copyright-logo), then any
#   at-rule left empty by that.
# Minified css has no braces inside a rule's declarations, so [^{}] keeps each match inside one rule.
sed -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
    -e 's#/\*![^*]*Margaret Calvert[^*]*\*/##g' \
    -e 's#@font-face{[^{}]*GDS Transport[^{}]*}##g' \
    -e 's#[^{}]*{[^{}]*govuk-crest\.svg[^{}]*}##g' \
    -e 's#@[a-z-]*[^{};@]*{}##g' \
    -e "s#url(/assets/#url(${asset_url}#g" \
    "$govuk_src/govuk-frontend.min.css" > "$govuk_out/govuk-frontend.min.css"
cp "$govuk_src/govuk-frontend.min.js" "$govuk_src/govuk-frontend.min.js.map" "$govuk_out/"
cp "$htmx_src/htmx.min.js" "$htmx_out/htmx.min.js"

css="$govuk_out/govuk-frontend.min.css"
fail() {
  echo "build-assets: $*" >&2
  exit 1
}
grep -q 'url(/assets/' "$css" && fail "govuk-frontend css still has /assets/ URLs"
grep -q '@font-face{[^}]*GDS Transport' "$css" && fail "govuk-frontend css still loads GDS Transport"
grep -q '/fonts/' "$css" && fail "govuk-frontend css still references a font file"
grep -q 'govuk-crest' "$css" && fail "govuk-frontend css still references the Royal Arms (govuk-crest.svg)"

# Only the assets the css still uses are copied: not the fonts, nor the crown favicons, app icons, manifest
# or Open Graph image (the layout links our own /static/favicon.svg). With 6.3.0 that is nothing at all.
{ grep -o "url(${asset_url}[^)]*)" "$css" || true; } | sed -e "s#^url(${asset_url}##" -e 's#)$##' | sort -u |
  while read -r asset; do
    case "$asset" in
      *..*|/*) fail "govuk-frontend css has an odd asset URL: $asset" ;;
    esac
    mkdir -p "$govuk_out/assets/$(dirname "$asset")"
    cp "$govuk_src/assets/$asset" "$govuk_out/assets/$asset"
  done

version_of() {
  node -p "require('./node_modules/$1/package.json').version"
}
{
  echo "# Vendored by web/build-assets.sh from web/package-lock.json. Do not edit by hand."
  echo "govuk-frontend $(version_of govuk-frontend)"
  echo "htmx.org $(version_of htmx.org)"
} > "$vendor/VERSIONS.txt"

echo "build-assets: vendored into $web_dir/$vendor"
cat "$vendor/VERSIONS.txt"
