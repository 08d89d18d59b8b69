#include "base/digest.h"

#include <gtest/gtest.h>

#include <string>

namespace flightplan {
namespace {

// FIPS 180-2 appendix B and RFC 1321 / RFC 3174 test vectors.
constexpr char kTwoBlocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

TEST(DigestTest, Sha256HexMatchesTheStandardVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(kTwoBlocks),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(DigestTest, Sha256HexHashesEveryByteIncludingNul) {
  EXPECT_NE(Sha256Hex(std::string("a\0b", 3)), Sha256Hex("a"));
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(DigestTest, Sha1HexAndMd5HexMatchTheStandardVectors) {
  EXPECT_EQ(Sha1Hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Sha1Hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(Md5Hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(Md5Hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(DigestTest, HasherFedInPiecesEqualsTheOneShotDigest) {
  Sha256Hasher hasher;
  hasher.Begin();
  std::string_view text = kTwoBlocks;
  for (size_t i = 0; i < text.size(); i += 7) hasher.Update(text.substr(i, 7));
  EXPECT_EQ(hasher.FinishHex(), Sha256Hex(text));
}

TEST(DigestTest, HasherIsReusableAfterBeginAndWritesHexWithoutAllocating) {
  Sha256Hasher hasher;
  hasher.Begin();
  hasher.Update("first message");
  (void)hasher.FinishHex();
  hasher.Begin();
  hasher.Update("ab");
  hasher.Update("c");
  char hex[64];
  hasher.FinishHex(hex);
  EXPECT_EQ(std::string(hex, 64), Sha256Hex("abc"));
}

}  // namespace
}  // namespace flightplan
