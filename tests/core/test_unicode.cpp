// UTF-8, the letter/number/white-space properties and NFC (core/unicode.cpp). Expected values are
// the Unicode Character Database's (checked with Python's unicodedata).
#include "core/unicode.hpp"

#include "test_helpers.hpp"

namespace attnviz {
namespace {

using test::throws_config_error;

TEST(Unicode, LettersAcrossScripts) {
    // Latin, Latin-1, Greek, Cyrillic, CJK, Hiragana, Katakana, Hangul, Arabic, Hebrew, Devanagari,
    // a titlecase letter (ǅ) and a modifier letter (ʰ).
    for (char32_t c : {U'a', U'Z', U'é', U'ß', U'λ', U'Ж', U'日', U'の', U'テ', U'한', U'م', U'ש', U'न', U'ǅ', U'ʰ'}) {
        EXPECT_TRUE(is_letter(c)) << std::hex << static_cast<unsigned>(c);
        EXPECT_FALSE(is_number(c));
    }
    // Marks (a combining acute, Devanagari's vowel sign ा), punctuation, symbols, emoji: not letters.
    for (char32_t c : {U'\u0301', U'\u093E', U'!', U'、', U'€', U'😀', U' '}) EXPECT_FALSE(is_letter(c)) << std::hex << static_cast<unsigned>(c);
}

TEST(Unicode, NumbersAreDigitsLetterNumbersAndOthers) {
    for (char32_t c : {U'0', U'9', U'٣', U'३', U'๑', U'１', U'Ⅻ', U'½', U'①'}) {
        EXPECT_TRUE(is_number(c)) << std::hex << static_cast<unsigned>(c);
        EXPECT_FALSE(is_letter(c));
    }
}

TEST(Unicode, WhiteSpaceIsTheUnicodeProperty) {
    for (char32_t c : {U' ', U'\t', U'\n', U'\r', U'\v', U'\f', U'\u0085', U'\u00A0', U'\u2003', U'\u3000'}) {
        EXPECT_TRUE(is_white_space(c)) << std::hex << static_cast<unsigned>(c);
    }
    for (char32_t c : {U'\u200B', U'\uFEFF', U'a'}) EXPECT_FALSE(is_white_space(c));  // zero-width: not spaces
}

TEST(Unicode, Nfc) {
    EXPECT_EQ(nfc("plain ASCII"), "plain ASCII");
    EXPECT_EQ(nfc("e\u0301"), "é");                      // composition
    EXPECT_EQ(nfc("\u212B"), "\u00C5");                   // Å ANGSTROM SIGN: a singleton
    EXPECT_EQ(nfc("a\u0302\u0323"), "\u1EAD");            // ậ: marks reordered (dot below, class 220, first)
    EXPECT_EQ(nfc("\u1100\u1161\u11A8"), "\uAC01");        // Hangul jamo → 각
    EXPECT_EQ(nfc("\u0F73"), "\u0F71\u0F72");             // excluded from composition: stays decomposed
    EXPECT_EQ(nfc("ñ café"), "ñ café");
}

TEST(Unicode, Utf8) {
    EXPECT_EQ(decode_utf8("€", 0, "x").value, U'€');
    EXPECT_EQ(decode_utf8("€", 0, "x").length, 3u);
    EXPECT_EQ(valid_utf8_length("\xC0\x80", 0), 0u);      // overlong
    EXPECT_EQ(valid_utf8_length("\xED\xA0\x80", 0), 0u);  // a surrogate
    EXPECT_EQ(valid_utf8_length("\xF0\x9F\x98", 0), 0u);  // truncated
    EXPECT_TRUE(throws_config_error([] { decode_utf8("\xFF", 0, "text"); }, "text", {"invalid UTF-8 (byte 0xff at offset 0)"}));
    std::string s;
    for (char32_t c : {U'a', U'é', U'€', U'😀'}) append_utf8(s, c);
    EXPECT_EQ(s, "aé€😀");
}

}  // namespace
}  // namespace attnviz
