#include "cli/command.h"

int main(int argc, char** argv) { return flightplan::cli::RunMain(argc, argv); }
