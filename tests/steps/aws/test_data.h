// Helpers for the AWS tests: read files under tests/data only.
#ifndef FLIGHTPLAN_TESTS_STEPS_AWS_TEST_DATA_H_
#define FLIGHTPLAN_TESTS_STEPS_AWS_TEST_DATA_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "engine/value.h"

namespace flightplan::aws::testing {

inline std::filesystem::path TestDataDir() {
  return std::filesystem::path(FLIGHTPLAN_SOURCE_DIR) / "tests/data";
}

inline std::string ReadTestFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline Value ReadTestJson(const std::string& relative) {
  Result<Value> value = Value::FromJson(ReadTestFile(TestDataDir() / relative));
  EXPECT_TRUE(value.has_value()) << relative;
  return value ? *value : Value();
}

}  // namespace flightplan::aws::testing

#endif  // FLIGHTPLAN_TESTS_STEPS_AWS_TEST_DATA_H_
