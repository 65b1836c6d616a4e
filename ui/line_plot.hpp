// A line-plot panel drawn with ImDrawList: title, legend, axes with numbered ticks, several
// coloured series over one shared x, vertical reference markers and a hover readout of x and
// every series' y. Cost per frame is O(samples), independent of the panel's pixel size.
#pragma once

#include <imgui.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace attnviz {

struct PlotSeries {
    std::string label;               // legend and hover text
    std::span<const float> y;        // one value per x (same length); NaN leaves a gap
    ImU32 colour = IM_COL32(230, 230, 230, 255);
    float thickness = 1.5f;          // px
    bool markers = false;            // a dot on every sample, for a handful of points
};

struct PlotMarker {
    float x = 0.0f;                  // data units
    std::string label;               // written beside the top of the line
    ImU32 colour = IM_COL32(255, 170, 60, 255);
};

struct LinePlotSpec {
    std::string id;                  // unique per panel (ImGui id)
    std::string title;               // first line of the panel; empty: none
    std::span<const float> x;        // ascending, shared by every series; must outlive the call
    std::vector<PlotSeries> series;  // drawn in order: later series on top
    std::vector<PlotMarker> markers; // vertical reference lines
    std::string x_label = "x";       // under the x axis and in the hover readout
    std::string y_label;             // above the y axis; empty: none
    float y_min = NAN, y_max = NAN;  // NaN: fit the data, with 5 % headroom
    bool integer_x = false;          // hover snaps to samples anyway; this only formats x as "%d"
};

// A spec with its id, title, shared x and x label set; `integer_x` formats x as whole numbers.
LinePlotSpec plot_spec(std::string id, std::string title, std::span<const float> x, std::string x_label,
                       bool integer_x = false);

// Draws within `size` (title, legend, ticks and labels included) and advances the cursor like one
// item. Returns the hovered sample index, or −1.
int draw_line_plot(const LinePlotSpec& spec, ImVec2 size);

// Colours for series, readable on the dark theme; index wraps.
ImU32 series_colour(int index);

}  // namespace attnviz
