// ObjectStore: the seam between the shared journal (store/log_journal.h) and
// the bucket that holds it (steps/aws/s3_object_store.h), so the journal's
// logic is tested without a network and the bucket's faults are injected.
//
// Keys are relative to the store's root (the state's prefix). The contract
// is S3's: strongly consistent reads and lists, and a create that succeeds
// only when the key is absent, decided by the store, never by the client.
//
// Thread-safety: implementations may be called from several threads.
#ifndef FLIGHTPLAN_BASE_OBJECT_STORE_H_
#define FLIGHTPLAN_BASE_OBJECT_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "base/error.h"

namespace flightplan {

enum class CreateOutcome {
  kCreated,        // this call created the object
  kAlreadyExists,  // the key was taken (by another writer, or by an earlier
                   // attempt of this one whose answer was lost)
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Creates `key` with `body` only if absent (S3: If-None-Match: *).
  // Errors: kTransient when the outcome is unknown (the request may or may
  // not have been applied: the caller finds out by reading the key);
  // kPermissionDenied; kNotFound when the bucket does not exist.
  [[nodiscard]] virtual Result<CreateOutcome> CreateIfAbsent(const std::string& key,
                                                             const std::string& body) = 0;
  // Creates or replaces `key` (snapshots, which are named by content).
  [[nodiscard]] virtual Result<void> Put(const std::string& key, const std::string& body) = 0;
  // The object's bytes; nullopt when absent.
  [[nodiscard]] virtual Result<std::optional<std::string>> Get(const std::string& key) = 0;
  // The objects at `keys`, in the same order (nullopt where absent); the
  // first error if any read fails. Stores that can read in parallel do.
  [[nodiscard]] virtual Result<std::vector<std::optional<std::string>>> GetMany(
      const std::vector<std::string>& keys) {
    std::vector<std::optional<std::string>> out;
    out.reserve(keys.size());
    for (const std::string& key : keys) {
      Result<std::optional<std::string>> one = Get(key);
      if (!one) return MakeError(std::move(one.error()));
      out.push_back(std::move(*one));
    }
    return out;
  }
  // Keys under `prefix` that sort after `start_after`, in order, at most
  // `limit` of them.
  [[nodiscard]] virtual Result<std::vector<std::string>> List(const std::string& prefix,
                                                              const std::string& start_after,
                                                              int limit) = 0;
  // Where the store is, for messages ("s3://bucket/prefix/").
  virtual std::string Describe() const = 0;
};

}  // namespace flightplan

#endif  // FLIGHTPLAN_BASE_OBJECT_STORE_H_
