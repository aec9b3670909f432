// prober_test links the prober stage only; the QoS verdict is part of what these tests check,
// so the classifier's one source file is compiled in here.
#include "../../src/classify/qos.cpp"
