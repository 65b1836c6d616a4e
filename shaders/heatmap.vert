#version 330 core
// A full-target quad from gl_VertexID: no vertex buffer needed.
out vec2 v_uv;
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    v_uv = vec2(corner.x, 1.0 - corner.y);  // row 0 of the matrix at the top
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
