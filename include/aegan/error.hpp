#pragma once
// The exception hierarchy every public entry point uses. Messages name the operation and the
// expected and actual shape / value / file, so a user never has to read an Eigen assertion.
#include <stdexcept>
#include <string>

namespace aegan {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Tensor shapes that do not fit an operation: "linear: input [64, 100] expected [*, 784]".
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// An argument outside its valid range (negative size, probability > 1, unknown option).
class ValueError : public Error {
 public:
  using Error::Error;
};

/// A file that cannot be opened, read, written, or whose contents are not what they claim.
class IoError : public Error {
 public:
  using Error::Error;
};

/// A NaN or infinity where a finite number is required (a loss, a gradient).
class NumericalError : public Error {
 public:
  using Error::Error;
};

}  // namespace aegan
