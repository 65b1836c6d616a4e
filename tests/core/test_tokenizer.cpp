// The toy tokenizers: words with punctuation split off, or UTF-8 code points; "<pad>"; the cap.
#include "core/tokenizer.hpp"

#include "test_helpers.hpp"

#include <string>
#include <vector>

namespace attnviz {
namespace {

using test::throws_config_error;
using Words = std::vector<std::string>;

Words words(std::string_view s) { return tokenize(s, Tokenization::Word).text; }
Words chars(std::string_view s) { return tokenize(s, Tokenization::Char).text; }

std::string repeat(const std::string& piece, int times) {
    std::string s;
    for (int k = 0; k < times; ++k) s += piece;
    return s;
}

// ---- word mode --------------------------------------------------------------------

TEST(TokenizeWord, SplitsOnWhitespace) {
    EXPECT_EQ(words("the cat sat"), (Words{"the", "cat", "sat"}));
    EXPECT_EQ(words("  the\tcat \n sat  "), (Words{"the", "cat", "sat"}));
    // No-break space U+00A0 and ideographic space U+3000 separate words too.
    EXPECT_EQ(words("a\u00A0b\u3000c"), (Words{"a", "b", "c"}));
}

TEST(TokenizeWord, PunctuationIsItsOwnToken) {
    EXPECT_EQ(words("the cat, sat."), (Words{"the", "cat", ",", "sat", "."}));
    EXPECT_EQ(words("don't"), (Words{"don", "'", "t"}));
    EXPECT_EQ(words("?!."), (Words{"?", "!", "."}));
    EXPECT_EQ(words("«bonjour»"), (Words{"«", "bonjour", "»"}));
    EXPECT_EQ(words("猫が。"), (Words{"猫が", "。"}));
    EXPECT_EQ(words("café"), (Words{"café"}));  // é is a letter, not a separator
}

TEST(TokenizeWord, LiteralPadIsOneTokenAndRecorded) {
    const Tokens t = tokenize("the <pad> cat <pad>", Tokenization::Word);
    EXPECT_EQ(t.text, (Words{"the", "<pad>", "cat", "<pad>"}));
    EXPECT_EQ(t.pad_positions, (std::vector<int>{1, 3}));
    // Followed by punctuation it is still a pad.
    const Tokens p = tokenize("<pad>, x", Tokenization::Word);
    EXPECT_EQ(p.text, (Words{"<pad>", ",", "x"}));
    EXPECT_EQ(p.pad_positions, (std::vector<int>{0}));
}

TEST(TokenizeWord, PadInsideALongerWordIsNotAPad) {
    const Tokens t = tokenize("<padding>", Tokenization::Word);
    EXPECT_EQ(t.text, (Words{"<", "padding", ">"}));
    EXPECT_TRUE(t.pad_positions.empty());
}

TEST(TokenizeChar, PadIsNotSpecialInCharMode) {
    const Tokens t = tokenize("<pad>", Tokenization::Char);
    EXPECT_EQ(t.text.size(), 5u);
    EXPECT_TRUE(t.pad_positions.empty());
}

// ---- char mode --------------------------------------------------------------------

TEST(TokenizeChar, OneTokenPerCodePoint) {
    EXPECT_EQ(chars("café"), (Words{"c", "a", "f", "é"}));  // é is 2 bytes
    EXPECT_EQ(chars("猫が"), (Words{"猫", "が"}));          // 3 bytes each
    EXPECT_EQ(chars("a😀"), (Words{"a", "😀"}));            // a 4-byte sequence
    EXPECT_EQ(chars("?!."), (Words{"?", "!", "."}));
    EXPECT_EQ(chars("a b"), (Words{"a", " ", "b"}));  // spaces are characters
}

// ---- errors -----------------------------------------------------------------------

TEST(Tokenize, EmptyAndWhitespaceOnlyRejected) {
    EXPECT_TRUE(throws_config_error([] { tokenize("", Tokenization::Word); }, "text", {"text is empty"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("", Tokenization::Char); }, "text", {"text is empty"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("  \t\n ", Tokenization::Word); }, "text", {"text is empty"}));
    EXPECT_TRUE(throws_config_error([] { tokenize(" \t ", Tokenization::Char); }, "text", {"text is empty"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("", Tokenization::Word, "source"); }, "source",
                                    {"source is empty"}));
}

TEST(Tokenize, InvalidUtf8Rejected) {
    // A lone 0xff, a truncated 3-byte sequence, an overlong '/', a UTF-16 surrogate, a stray
    // continuation byte, and a code point past U+10FFFF: none is UTF-8.
    EXPECT_TRUE(throws_config_error([] { tokenize("\xff", Tokenization::Char); }, "text",
                                    {"text: invalid UTF-8 (byte 0xff at offset 0)"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("ab\xe7\x8c", Tokenization::Char); }, "text",
                                    {"invalid UTF-8", "0xe7", "offset 2"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("\xc0\xaf", Tokenization::Char); }, "text", {"invalid UTF-8"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("\xed\xa0\x80", Tokenization::Char); }, "text",
                                    {"invalid UTF-8"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("a \x80", Tokenization::Word); }, "text",
                                    {"invalid UTF-8", "offset 2"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("\xf4\x90\x80\x80", Tokenization::Char); }, "text",
                                    {"invalid UTF-8"}));
    EXPECT_TRUE(throws_config_error([] { tokenize("ok \xff", Tokenization::Word, "source"); }, "source",
                                    {"source: invalid UTF-8"}));
}

TEST(Tokenize, CapIsInclusive) {
    // 4096 tokens is the limit and allowed; one more is refused with the limit in the message.
    EXPECT_EQ(tokenize(repeat("a ", 4096), Tokenization::Word).text.size(), 4096u);
    EXPECT_TRUE(throws_config_error([] { tokenize(repeat("a ", 4097), Tokenization::Word); }, "text",
                                    {"more than 4096 tokens"}));
    EXPECT_EQ(tokenize(repeat("x", 4096), Tokenization::Char).text.size(), 4096u);
    EXPECT_TRUE(throws_config_error([] { tokenize(repeat("x", 4097), Tokenization::Char, "source"); }, "source",
                                    {"source has more than 4096 tokens"}));
}

}  // namespace
}  // namespace attnviz
