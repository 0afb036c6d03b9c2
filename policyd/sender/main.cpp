// SPDX-License-Identifier: BSD-2-Clause
// policyd/sender/main.cpp: cachet-sender; see daemon.hpp and cachet-sender.8.md.
#include "policyd/sender/daemon.hpp"

int main(int argc, char** argv) { return cachet::senderd::sender_main(argc, argv); }
