#include "ui/heatmap_gl.hpp"

#include "core/io/atomic_file.hpp"

#include <glad/gl.h>

#include <cmath>
#include <ctime>
#include <stdexcept>
#include <utility>
#include <vector>

namespace attnviz {
namespace {

unsigned compile(GLenum type, const std::filesystem::path& path) {
    const std::string src = read_file(path);  // IoError names the path
    const GLuint sh = glCreateShader(type);
    const char* p = src.c_str();
    glShaderSource(sh, 1, &p, nullptr);
    glCompileShader(sh);
    GLint ok = 0;
    glGetShaderiv(sh, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[2048];
        glGetShaderInfoLog(sh, sizeof log, nullptr, log);
        glDeleteShader(sh);
        throw std::runtime_error("cannot compile " + path.string() + ": " + log);
    }
    return sh;
}

}  // namespace

void HeatmapProgram::load(const std::filesystem::path& dir) {
    const GLuint vs = compile(GL_VERTEX_SHADER, dir / "heatmap.vert");
    const GLuint fs = compile(GL_FRAGMENT_SHADER, dir / "heatmap.frag");
    program_ = glCreateProgram();
    glAttachShader(program_, vs);
    glAttachShader(program_, fs);
    glLinkProgram(program_);
    glDeleteShader(vs);
    glDeleteShader(fs);
    GLint ok = 0;
    glGetProgramiv(program_, GL_LINK_STATUS, &ok);
    if (!ok) {
        char log[2048];
        glGetProgramInfoLog(program_, sizeof log, nullptr, log);
        throw std::runtime_error("cannot link " + (dir / "heatmap.{vert,frag}").string() + ": " + log);
    }
    loc_values = glGetUniformLocation(program_, "u_values");
    loc_mask = glGetUniformLocation(program_, "u_mask");
    loc_dims = glGetUniformLocation(program_, "u_dims");
    loc_range = glGetUniformLocation(program_, "u_range");
    loc_map = glGetUniformLocation(program_, "u_map");
    loc_has_mask = glGetUniformLocation(program_, "u_has_mask");
    loc_grid = glGetUniformLocation(program_, "u_grid");
    glGenVertexArrays(1, &vao_);
}

HeatmapProgram::~HeatmapProgram() {
    if (program_) glDeleteProgram(program_);
    if (vao_) glDeleteVertexArrays(1, &vao_);
}

HeatmapTexture::HeatmapTexture(HeatmapTexture&& o) noexcept { *this = std::move(o); }

HeatmapTexture& HeatmapTexture::operator=(HeatmapTexture&& o) noexcept {
    if (this == &o) return *this;
    release();
    values_tex_ = std::exchange(o.values_tex_, 0);
    mask_tex_ = std::exchange(o.mask_tex_, 0);
    fbo_ = std::exchange(o.fbo_, 0);
    color_tex_ = std::exchange(o.color_tex_, 0);
    rows_ = o.rows_;
    cols_ = o.cols_;
    width_ = o.width_;
    height_ = o.height_;
    has_mask_ = o.has_mask_;
    stale_ = o.stale_;
    key_ = o.key_;
    look_ = o.look_;
    return *this;
}

HeatmapTexture::~HeatmapTexture() { release(); }

void HeatmapTexture::release() {
    if (values_tex_) glDeleteTextures(1, &values_tex_);
    if (mask_tex_) glDeleteTextures(1, &mask_tex_);
    if (color_tex_) glDeleteTextures(1, &color_tex_);
    if (fbo_) glDeleteFramebuffers(1, &fbo_);
    values_tex_ = mask_tex_ = color_tex_ = fbo_ = 0;
}

void HeatmapTexture::set_data(std::uint64_t key, const Eigen::Ref<const MatRM>& values, const MatRM* mask) {
    if (key == key_ && values_tex_) return;
    key_ = key;
    stale_ = true;
    rows_ = static_cast<int>(values.rows());
    cols_ = static_cast<int>(values.cols());
    if (!values_tex_) glGenTextures(1, &values_tex_);
    if (!mask_tex_) glGenTextures(1, &mask_tex_);
    // Masked cells hold −∞ in some tensors; the shader hatches them from the mask, so upload a
    // finite stand-in rather than give the GPU non-finite values.
    std::vector<float> data(static_cast<std::size_t>(values.size()));
    for (Eigen::Index i = 0; i < values.rows(); ++i)
        for (Eigen::Index j = 0; j < values.cols(); ++j) {
            const float v = values(i, j);
            data[static_cast<std::size_t>(i * values.cols() + j)] = std::isfinite(v) ? v : 0.0f;
        }
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glBindTexture(GL_TEXTURE_2D, values_tex_);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, cols_, rows_, 0, GL_RED, GL_FLOAT, data.data());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    has_mask_ = false;
    std::vector<std::uint8_t> m(data.size(), 255);
    for (Eigen::Index i = 0; i < values.rows(); ++i)
        for (Eigen::Index j = 0; j < values.cols(); ++j) {
            const bool masked = (mask && (*mask)(i, j) < 0.5f) || !std::isfinite(values(i, j));
            if (masked) {
                m[static_cast<std::size_t>(i * values.cols() + j)] = 0;
                has_mask_ = true;
            }
        }
    glBindTexture(GL_TEXTURE_2D, mask_tex_);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8, cols_, rows_, 0, GL_RED, GL_UNSIGNED_BYTE, m.data());
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glBindTexture(GL_TEXTURE_2D, 0);
}

unsigned HeatmapTexture::render(const HeatmapProgram& prog, const HeatmapLook& look, int width, int height) {
    width = std::max(1, width);
    height = std::max(1, height);
    if (!values_tex_) return 0;
    if (width != width_ || height != height_ || !color_tex_) {
        if (!color_tex_) glGenTextures(1, &color_tex_);
        if (!fbo_) glGenFramebuffers(1, &fbo_);
        glBindTexture(GL_TEXTURE_2D, color_tex_);
        glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, nullptr);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_LINEAR);
        glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_LINEAR);
        glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
        glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, color_tex_, 0);
        glBindFramebuffer(GL_FRAMEBUFFER, 0);
        width_ = width;
        height_ = height;
        stale_ = true;
    }
    if (!(look == look_)) stale_ = true;
    if (!stale_) return color_tex_;
    look_ = look;
    GLint prev_fbo = 0, prev_viewport[4];
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev_fbo);
    glGetIntegerv(GL_VIEWPORT, prev_viewport);
    glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
    glViewport(0, 0, width_, height_);
    glDisable(GL_BLEND);
    glDisable(GL_SCISSOR_TEST);
    glUseProgram(prog.program());
    glActiveTexture(GL_TEXTURE0);
    glBindTexture(GL_TEXTURE_2D, values_tex_);
    glActiveTexture(GL_TEXTURE1);
    glBindTexture(GL_TEXTURE_2D, mask_tex_);
    glUniform1i(prog.loc_values, 0);
    glUniform1i(prog.loc_mask, 1);
    glUniform2i(prog.loc_dims, cols_, rows_);
    glUniform2f(prog.loc_range, look.lo, look.hi);
    glUniform1i(prog.loc_map, look.map == ColorMap::Viridis ? 0 : 1);
    glUniform1i(prog.loc_has_mask, has_mask_ ? 1 : 0);
    glUniform1f(prog.loc_grid, std::min(static_cast<float>(width_) / cols_, static_cast<float>(height_) / rows_));
    glBindVertexArray(prog.vao());
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glBindVertexArray(0);
    glActiveTexture(GL_TEXTURE0);
    glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(prev_fbo));
    glViewport(prev_viewport[0], prev_viewport[1], prev_viewport[2], prev_viewport[3]);
    stale_ = false;
    return color_tex_;
}

Image HeatmapTexture::read_back() const {
    if (!fbo_) return {};
    return read_framebuffer(fbo_, width_, height_);
}

Image read_framebuffer(unsigned framebuffer, int width, int height) {
    Image img;
    img.width = width;
    img.height = height;
    img.rgba.resize(static_cast<std::size_t>(width) * height * 4);
    std::vector<std::uint8_t> rows(img.rgba.size());
    GLint prev_fbo = 0;
    glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev_fbo);
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rows.data());
    glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(prev_fbo));
    const std::size_t stride = static_cast<std::size_t>(width) * 4;
    for (int y = 0; y < height; ++y)
        std::copy_n(rows.begin() + static_cast<std::ptrdiff_t>((height - 1 - y) * stride), stride,
                    img.rgba.begin() + static_cast<std::ptrdiff_t>(y * stride));
    for (std::size_t p = 3; p < img.rgba.size(); p += 4) img.rgba[p] = 255;
    return img;
}

std::string file_timestamp() {
    const std::time_t now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&now));
    return buf;
}

}  // namespace attnviz
