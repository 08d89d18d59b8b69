#include "steps/sys/system_host.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace flightplan {

std::string SystemHost::UserName() const {
  if (const passwd* pw = getpwuid(geteuid()); pw && pw->pw_name) {
    return pw->pw_name;
  }
  if (const char* user = std::getenv("USER"); user && *user) return user;
  return "uid" + std::to_string(geteuid());
}

std::string SystemHost::HostName() const {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') {
    return "localhost";
  }
  return name;
}

int64_t SystemHost::ProcessId() const { return getpid(); }

bool SystemHost::IsProcessAlive(int64_t pid) const {
  if (pid <= 0) return true;
  if (kill(static_cast<pid_t>(pid), 0) == 0) return true;
  return errno != ESRCH;
}

}  // namespace flightplan
