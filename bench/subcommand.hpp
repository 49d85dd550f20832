#pragma once
// What the `calibrate` and `validate` subcommands share: walking their arguments, the options
// naming the programs they start, and where their output goes.
//
//   SubcommandArgs a(args);
//   while (a.next()) {
//     if (a.is("--out")) out = a.value();
//     else if (!programs.take(a)) throw std::invalid_argument("unknown option " + a.arg());
//   }
#include <string>
#include <string_view>
#include <vector>

#include "run_context.hpp"

namespace bench {

class SubcommandArgs {
 public:
  explicit SubcommandArgs(const std::vector<std::string>& args) : args_(args) {}
  // Moves to the next argument; false after the last.
  bool next() { return ++at_ <= args_.size(); }
  [[nodiscard]] const std::string& arg() const { return args_[at_ - 1]; }
  [[nodiscard]] bool is(std::string_view option) const { return arg() == option; }
  // The next argument, as the current option's value. Throws std::invalid_argument.
  std::string value();

 private:
  const std::vector<std::string>& args_;
  std::size_t at_ = 0;  // 1 + the current argument's index
};

// The programs a subcommand starts, by default the ones next to this binary.
struct Programs {
  std::string wrapper;            // lambda-emu-wrapper
  std::string wrapper_extension;  // lambda-emu-wrapper-extension

  // --emulator, --test-runtime, --emulator-arg, --emulator-log (into ctx.opt), --wrapper,
  // --wrapper-extension: true if the current argument was one of them (and its value taken).
  bool take(SubcommandArgs& a, Context& ctx);
  // Fills in what was not given.
  void defaults(Context& ctx);
};

// False, with "`who`: PATH not found" on stderr, unless every path exists.
bool all_exist(std::string_view who, const std::vector<std::string>& paths);

// Writes `text` to `path` (stdout when empty). False, with the reason on stderr, if it could not.
bool write_output(std::string_view who, const std::string& text, const std::string& path);

}  // namespace bench
