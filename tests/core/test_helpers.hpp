// Shared test helpers: a compare that reports the max difference, hand-written matrices, a
// reference softmax in double and a ConfigError matcher.
#pragma once

#include "core/types.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <string>

namespace attnviz::test {

// Passes when every |a - b| <= tol; on failure reports the max difference and where it is.
inline ::testing::AssertionResult all_close(const Eigen::Ref<const MatRM>& a, const Eigen::Ref<const MatRM>& b,
                                            float tol = 1e-5f) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) {
        return ::testing::AssertionFailure() << "shape [" << a.rows() << ", " << a.cols() << "] vs [" << b.rows()
                                             << ", " << b.cols() << "]";
    }
    float worst = 0.0f;
    Eigen::Index wi = 0, wj = 0;
    for (Eigen::Index i = 0; i < a.rows(); ++i)
        for (Eigen::Index j = 0; j < a.cols(); ++j) {
            const float d = std::abs(a(i, j) - b(i, j));
            if (!(d <= worst)) {
                worst = d;
                wi = i;
                wj = j;
            }
        }
    if (worst <= tol) return ::testing::AssertionSuccess() << "max |Δ| = " << worst;
    return ::testing::AssertionFailure() << "max |Δ| = " << worst << " at (" << wi << ", " << wj << "): " << a(wi, wj)
                                         << " vs " << b(wi, wj) << " (tol " << tol << ")";
}

inline bool all_finite(const Eigen::Ref<const MatRM>& a) { return a.allFinite(); }

// A small matrix written out by hand, row by row: mat({{1, 0}, {0, 1}}).
inline MatRM mat(std::initializer_list<std::initializer_list<float>> rows) {
    const auto r = static_cast<Eigen::Index>(rows.size());
    const auto c = r ? static_cast<Eigen::Index>(rows.begin()->size()) : 0;
    MatRM m(r, c);
    Eigen::Index i = 0;
    for (const auto& row : rows) {
        Eigen::Index j = 0;
        for (float v : row) m(i, j++) = v;
        ++i;
    }
    return m;
}

// Reference softmax in double, written independently of core/softmax.cpp: row-wise over the keys
// with mask(i, j) = 1 (every key when mask is null); a row with no visible key is all zeros.
inline MatRM softmax_reference(const Eigen::Ref<const MatRM>& logits, const MatRM* mask = nullptr) {
    MatRM out = MatRM::Zero(logits.rows(), logits.cols());
    for (Eigen::Index i = 0; i < logits.rows(); ++i) {
        constexpr double kNone = -std::numeric_limits<double>::infinity();
        double mx = kNone;
        for (Eigen::Index j = 0; j < logits.cols(); ++j)
            if (!mask || (*mask)(i, j) > 0.5f) mx = std::max(mx, static_cast<double>(logits(i, j)));
        if (mx == kNone) continue;  // no visible key
        double sum = 0.0;
        for (Eigen::Index j = 0; j < logits.cols(); ++j)
            if (!mask || (*mask)(i, j) > 0.5f) sum += std::exp(static_cast<double>(logits(i, j)) - mx);
        for (Eigen::Index j = 0; j < logits.cols(); ++j)
            if (!mask || (*mask)(i, j) > 0.5f)
                out(i, j) = static_cast<float>(std::exp(static_cast<double>(logits(i, j)) - mx) / sum);
    }
    return out;
}

// Passes when f() throws ConfigError with field() == field and a message holding every part
// (the field, the value and the rule, by house style).
template <typename F>
::testing::AssertionResult throws_config_error(F&& f, const std::string& field,
                                               std::initializer_list<std::string> parts = {}) {
    try {
        f();
    } catch (const ConfigError& e) {
        const std::string msg = e.what();
        if (e.field() != field) {
            return ::testing::AssertionFailure() << "field() = '" << e.field() << "', expected '" << field
                                                 << "' (message: " << msg << ")";
        }
        for (const std::string& part : parts) {
            if (msg.find(part) == std::string::npos) {
                return ::testing::AssertionFailure() << "message '" << msg << "' lacks '" << part << "'";
            }
        }
        return ::testing::AssertionSuccess() << msg;
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << "threw something other than ConfigError: " << e.what();
    }
    return ::testing::AssertionFailure() << "did not throw (expected ConfigError on '" << field << "')";
}

}  // namespace attnviz::test
