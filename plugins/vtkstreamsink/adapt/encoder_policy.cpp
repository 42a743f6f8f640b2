#include "encoder_policy.h"

#include <cstdlib>

namespace vtkstream::adapt {

bool worth_changing(int from, int to) {
  const int d = std::abs(to - from);
  return d > 0 && d * 20 >= from;
}

}  // namespace vtkstream::adapt
