// Asio and Beast are compiled once, here (BOOST_*_SEPARATE_COMPILATION), not in every file.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
