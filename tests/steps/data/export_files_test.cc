// A DynamoDB export's data files read item by item: blank lines passed over,
// and a damaged file an error that names it and the line, never a crash or
// an unbounded read.
#include "steps/data/export_files.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "tests/support/test_support.h"

namespace flightplan::data {
namespace {

using flightplan::testing::TempDir;

void WriteGzip(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  gzclose(f);
}

// Every item of the file, or the error that stopped the reading.
Result<std::vector<Value>> ReadAll(const std::string& path) {
  ASSIGN_OR_RETURN(ExportItemReader reader, ExportItemReader::Open(path));
  std::vector<Value> items;
  while (true) {
    ASSIGN_OR_RETURN(std::optional<Value> item, reader.Next());
    if (!item) return items;
    items.push_back(std::move(*item));
  }
}

TEST(ExportFilesTest, ReadsEachItemOfTheLinesDynamoDbWrites) {
  TempDir dir;
  std::string path = dir.Join("data.json.gz");
  WriteGzip(path,
            "{\"Item\":{\"id\":{\"S\":\"a\"},\"n\":{\"N\":\"1\"}}}\n\n"
            "{\"Item\":{\"id\":{\"S\":\"b\"}}}\n"
            "{\"Item\":{\"id\":{\"S\":\"c\"}}}");  // no newline at the end
  auto items = ReadAll(path);
  ASSERT_TRUE(items) << items.error().ToString();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[0].Find("n")->Find("N")->as_string(), "1");
  EXPECT_EQ((*items)[2].Find("id")->Find("S")->as_string(), "c");

  auto reader = ExportItemReader::Open(path);
  ASSERT_TRUE(reader);
  ASSERT_TRUE(reader->Next());
  auto second = reader->Next();
  ASSERT_TRUE(second && *second);
  EXPECT_EQ(reader->line(), 3) << "the blank line counts: a resume skips by lines";
}

TEST(ExportFilesTest, ALineThatIsNotAnItemIsAnErrorNamingTheFileAndLine) {
  TempDir dir;
  std::string path = dir.Join("data.json.gz");
  WriteGzip(path, "{\"Item\":{\"id\":{\"S\":\"a\"}}}\n{\"id\":{\"S\":\"b\"}}\n");
  auto items = ReadAll(path);
  ASSERT_FALSE(items);
  EXPECT_EQ(items.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(items.error().message().find(path + ": line 2"), std::string::npos)
      << items.error().message();
}

TEST(ExportFilesTest, ADamagedGzipStreamIsAnErrorNotTheItemsBeforeIt) {
  TempDir dir;
  std::string whole = dir.Join("whole.json.gz");
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "{\"Item\":{\"id\":{\"S\":\"" + std::to_string(i) + "\"}}}\n";
  WriteGzip(whole, text);
  std::ifstream in(whole, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 100u);
  std::string cut = dir.Join("cut.json.gz");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto items = ReadAll(cut);
  ASSERT_FALSE(items) << "a truncated export must not read as a shorter one";
  EXPECT_EQ(items.error().code(), ErrorCode::kCorruption);
  EXPECT_NE(items.error().message().find("gzip"), std::string::npos) << items.error().message();
}

TEST(ExportFilesTest, ALineLongerThanAnyItemStopsTheReadingBoundedInMemory) {
  TempDir dir;
  std::string path = dir.Join("long.json.gz");
  WriteGzip(path, std::string(ExportItemReader::kMaxExportLine + 10, 'x') + "\n");
  auto items = ReadAll(path);
  ASSERT_FALSE(items);
  EXPECT_NE(items.error().message().find("longer than"), std::string::npos);
}

TEST(ExportFilesTest, AMissingFileIsAnErrorNamingIt) {
  auto reader = ExportItemReader::Open("/nonexistent/flightplan/data.json.gz");
  ASSERT_FALSE(reader);
  EXPECT_NE(reader.error().message().find("/nonexistent/flightplan/data.json.gz"),
            std::string::npos);
}

}  // namespace
}  // namespace flightplan::data
