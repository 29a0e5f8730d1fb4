using ScottPlot;

namespace DistNet.Plots;

/// <summary>
/// One colour per class (the Category10 palette most plotting tools share), strong for points
/// and pale for the region a model gives that class.
/// </summary>
public static class ClassColors
{
    private static readonly Color[] Palette = new ScottPlot.Palettes.Category10().Colors;

    public static Color Point(int label) => Palette[label % Palette.Length];

    /// <summary>
    /// The class's colour mixed into white: faint (15 %) where the model is undecided, up to
    /// 45 % where it is sure, so that points (full colour) stay visible on top and the
    /// boundary shows as the band where the tint fades.
    /// </summary>
    public static Color Region(int label, float confidence)
    {
        var c = Point(label);
        double share = 0.15 + 0.30 * Math.Clamp(confidence, 0, 1);
        static byte Mix(byte channel, double share) => (byte)Math.Round(255 - (255 - channel) * share);
        return new Color(Mix(c.R, share), Mix(c.G, share), Mix(c.B, share));
    }
}
