// Helpers for the AWS tests: read files under tests/data only.
#ifndef FLIGHTPLAN_TESTS_STEPS_AWS_TEST_DATA_H_
#define FLIGHTPLAN_TESTS_STEPS_AWS_TEST_DATA_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <string>

#include "base/file_io.h"
#include "base/value.h"

namespace flightplan::aws::testing {

inline std::filesystem::path TestDataDir() {
  return std::filesystem::path(FLIGHTPLAN_SOURCE_DIR) / "tests/data";
}

inline std::string ReadTestFile(const std::filesystem::path& path) {
  Result<std::string> bytes = ReadFile(path);
  EXPECT_TRUE(bytes.has_value()) << "cannot read " << path;
  return bytes.value_or(std::string());
}

inline Value ReadTestJson(const std::string& relative) {
  Result<Value> value = Value::FromJson(ReadTestFile(TestDataDir() / relative));
  EXPECT_TRUE(value.has_value()) << relative;
  return value ? *value : Value();
}

// botocore types its output from the model; ours keeps XML leaves as text.
inline int64_t ParseIsoMillis(const std::string& text) {
  std::tm tm{};
  double seconds = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &seconds) != 6) {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000 + static_cast<int64_t>(seconds * 1000 + 0.5);
}

inline void ExpectSameOutput(const Value& ours, const Value& botocore, const std::string& path) {
  SCOPED_TRACE(path);
  switch (botocore.type()) {
    case ValueType::kMap:
      ASSERT_TRUE(ours.is_map()) << ours.ToJson();
      for (const auto& [key, value] : botocore.as_map()) {
        if (key == "ResponseMetadata") continue;
        const Value* mine = ours.Find(key);
        ASSERT_NE(mine, nullptr) << "missing " << key;
        ExpectSameOutput(*mine, value, path + "." + key);
      }
      break;
    case ValueType::kList:
      if (botocore.as_list().empty() && ours.is_string()) {
        EXPECT_EQ(ours.as_string(), "");
        break;
      }
      ASSERT_TRUE(ours.is_list()) << ours.ToJson();
      ASSERT_EQ(ours.as_list().size(), botocore.as_list().size());
      for (size_t i = 0; i < ours.as_list().size(); ++i) {
        ExpectSameOutput(ours.as_list()[i], botocore.as_list()[i],
                         path + "[" + std::to_string(i) + "]");
      }
      break;
    case ValueType::kString:
      if (ParseIsoMillis(botocore.as_string()) >= 0 && botocore.as_string().size() >= 19 &&
          botocore.as_string()[10] == 'T') {
        // XML carries ISO 8601 text, JSON epoch seconds.
        int64_t mine = ours.is_number() ? static_cast<int64_t>(ours.as_double() * 1000 + 0.5)
                                        : ParseIsoMillis(ours.as_string());
        EXPECT_EQ(mine, ParseIsoMillis(botocore.as_string()));
      } else {
        EXPECT_EQ(ours.ToText(), botocore.as_string());
      }
      break;
    default:
      EXPECT_EQ(ours.ToText(), botocore.ToText());
  }
}

}  // namespace flightplan::aws::testing

#endif  // FLIGHTPLAN_TESTS_STEPS_AWS_TEST_DATA_H_
