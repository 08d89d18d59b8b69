// What `flightplan doctor` reports about the AWS setup: the profile and where
// it came from, the configuration files, the credential source (never a
// secret: the access key id is masked), the region, each service's endpoint,
// and who AWS says the caller is (STS GetCallerIdentity).
//
// Ownership: borrows its arguments for the call. Thread-safety: as AwsClient.
#ifndef FLIGHTPLAN_STEPS_AWS_DOCTOR_H_
#define FLIGHTPLAN_STEPS_AWS_DOCTOR_H_

#include <string>
#include <utility>
#include <vector>

#include "base/credentials.h"
#include "steps/aws/aws_client.h"
#include "steps/aws/aws_config.h"

namespace flightplan::aws {

struct DoctorCheck {
  std::string name;    // "credentials"
  std::string detail;  // "profile 'dev' in /home/a/.aws/credentials (AKIA…WXYZ)"
  bool ok = true;
};

struct DoctorReport {
  std::vector<DoctorCheck> checks;
  bool ok() const;
  // Aligned "name: detail" lines, a ✗ marker before failed checks.
  std::string ToText() const;
};

DoctorReport RunDoctor(const AwsConfig& config, CredentialsProvider& credentials,
                       AwsClient& client);

// The checks of a shared state's bucket (--state s3://BUCKET/PREFIX), added
// to `report`: the bucket reachable (HeadBucket), versioning (recommended:
// reported, not failed), default encryption, and the caller's rights on the
// prefix that can be tested without writing (ListBucket, GetObject of the
// manifest); PutObject is said to be untested, since testing it would write.
void CheckStateBucket(AwsClient& client, const std::string& bucket, const std::string& prefix,
                      DoctorReport& report);

// "AKIA…WXYZ": enough to recognise a key, not to use it.
std::string MaskAccessKeyId(std::string_view access_key_id);

}  // namespace flightplan::aws

#endif  // FLIGHTPLAN_STEPS_AWS_DOCTOR_H_
