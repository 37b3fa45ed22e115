package io.connbalance.bench.compare;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Small SVG charts for the report: lines over time and horizontal bars.
 */
public final class Svg {

	private static final String[] COLOURS = { "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
			"#e377c2" };

	private static final int WIDTH = 720;

	private static final int LEFT = 60;

	private static final int TOP = 40;

	private Svg() {
	}

	/**
	 * A line chart.
	 * @param title the title
	 * @param xLabel the x axis
	 * @param yLabel the y axis
	 * @param series each line's name and points (x, y)
	 * @param reference a dashed horizontal line's y, or {@code NaN}
	 * @return the SVG document
	 */
	public static String lines(String title, String xLabel, String yLabel, Map<String, List<double[]>> series,
			double reference) {
		int plotWidth = WIDTH - LEFT - 20;
		int plotHeight = 270 - TOP;
		// the legend: one line per series, under the x axis's label
		int legendTop = TOP + plotHeight + 50;
		int height = legendTop + (series.size() - 1) * 16 + 20;
		double maxX = 0;
		double maxY = Double.isNaN(reference) ? 0 : reference;
		for (List<double[]> points : series.values()) {
			for (double[] point : points) {
				maxX = Math.max(maxX, point[0]);
				maxY = Math.max(maxY, point[1]);
			}
		}
		maxY = (maxY <= 0) ? 1 : maxY * 1.1;
		maxX = (maxX <= 0) ? 1 : maxX;
		StringBuilder svg = header(height, title);
		axes(svg, plotWidth, plotHeight, maxX, maxY, xLabel, yLabel);
		if (!Double.isNaN(reference)) {
			double y = TOP + plotHeight - reference / maxY * plotHeight;
			svg.append(format("<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#888\" "
					+ "stroke-dasharray=\"4 4\"/>%n", LEFT, y, LEFT + plotWidth, y));
		}
		int index = 0;
		for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
			String colour = COLOURS[index % COLOURS.length];
			StringBuilder path = new StringBuilder();
			for (double[] point : entry.getValue()) {
				path.append(path.isEmpty() ? "M" : " L")
					.append(format("%.1f %.1f", LEFT + point[0] / maxX * plotWidth,
							TOP + plotHeight - point[1] / maxY * plotHeight));
			}
			svg.append(format("<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, colour));
			int legendY = legendTop + index * 16;
			int legendX = LEFT;
			svg.append(format("<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"4\" fill=\"%s\"/>%n", legendX, legendY - 4,
					colour));
			svg.append(format("<text x=\"%d\" y=\"%d\">%s</text>%n", legendX + 18, legendY, escape(entry.getKey())));
			index++;
		}
		return svg.append("</svg>\n").toString();
	}

	/**
	 * A horizontal bar chart.
	 * @param title the title
	 * @param unit the values' unit
	 * @param bars each bar's name and value
	 * @return the SVG document
	 */
	public static String bars(String title, String unit, Map<String, Double> bars) {
		int rowHeight = 26;
		int height = TOP + bars.size() * rowHeight + 30;
		int labelWidth = 230;
		int plotWidth = WIDTH - labelWidth - 90;
		double max = bars.values().stream().filter(Double::isFinite).mapToDouble(Double::doubleValue).max().orElse(1);
		StringBuilder svg = header(height, title);
		int row = 0;
		for (Map.Entry<String, Double> bar : bars.entrySet()) {
			int y = TOP + row * rowHeight;
			double value = bar.getValue();
			double width = Double.isFinite(value) ? value / max * plotWidth : plotWidth;
			svg.append(format("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", labelWidth - 8, y + 15,
					escape(bar.getKey())));
			svg.append(format("<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"18\" fill=\"%s\"/>%n", labelWidth, y + 2,
					Math.max(1, width), COLOURS[row % COLOURS.length]));
			svg.append(format("<text x=\"%.1f\" y=\"%d\">%s %s</text>%n", labelWidth + Math.max(1, width) + 6, y + 15,
					Double.isFinite(value) ? format("%.1f", value) : "∞", escape(unit)));
			row++;
		}
		return svg.append("</svg>\n").toString();
	}

	private static StringBuilder header(int height, String title) {
		StringBuilder svg = new StringBuilder();
		svg.append(format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
				+ "font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, height));
		svg.append(format("<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, height));
		svg.append(format("<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT,
				escape(title)));
		return svg;
	}

	private static void axes(StringBuilder svg, int plotWidth, int plotHeight, double maxX, double maxY, String xLabel,
			String yLabel) {
		int bottom = TOP + plotHeight;
		svg.append(format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, bottom,
				LEFT + plotWidth, bottom));
		svg.append(
				format("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, TOP, LEFT, bottom));
		for (int tick = 0; tick <= 5; tick++) {
			double x = LEFT + tick * plotWidth / 5.0;
			double y = bottom - tick * plotHeight / 5.0;
			svg.append(format("<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, bottom + 16,
					format("%.3g", maxX * tick / 5)));
			svg.append(format("<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", LEFT - 6, y + 4,
					format("%.2g", maxY * tick / 5)));
		}
		svg.append(format("<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", LEFT + plotWidth / 2,
				bottom + 34, escape(xLabel)));
		svg.append(format("<text x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>%n",
				TOP + plotHeight / 2, TOP + plotHeight / 2, escape(yLabel)));
	}

	private static String format(String pattern, Object... arguments) {
		return String.format(Locale.ROOT, pattern, arguments);
	}

	private static String escape(String text) {
		return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}

}
