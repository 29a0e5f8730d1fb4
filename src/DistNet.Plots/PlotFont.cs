using ScottPlot;
using SkiaSharp;

namespace DistNet.Plots;

/// <summary>
/// The one font DistNet's pictures use. ScottPlot draws text through SkiaSharp, which asks the
/// system for fonts; on a machine without any (a bare container, CI) the PNG still renders but
/// every title, tick label and legend silently disappears. So DejaVu Sans ships inside this
/// assembly and is made ScottPlot's first font resolver and default font before any plot is built.
/// </summary>
public static class PlotFont
{
    public const string Family = "DejaVu Sans";
    private const string Resource = "DistNet.Plots.DejaVuSans.ttf";

    private static readonly Lazy<SKTypeface> Embedded = new(Load);
    private static readonly Lock Gate = new();
    private static bool _registered;

    /// <summary>The embedded typeface, as every text of a DistNet plot is drawn with.</summary>
    public static SKTypeface Typeface => Embedded.Value;

    /// <summary>Idempotent and thread-safe; every plot calls it before creating a <see cref="Plot"/>.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (_registered) return;
            Fonts.FontResolvers.Insert(0, new EmbeddedResolver(Embedded.Value));
            Fonts.Default = Family;
            _registered = true;
        }
    }

    private static SKTypeface Load()
    {
        using var stream = typeof(PlotFont).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"the font {Resource} is missing from {typeof(PlotFont).Assembly.GetName().Name}");
        return SKTypeface.FromStream(stream)
            ?? throw new InvalidOperationException($"the embedded font {Resource} cannot be read");
    }

    /// <summary>
    /// Answers every family, weight and slant with the embedded typeface: one font for all the
    /// text of a plot, and never a request that falls through to a system without fonts.
    /// Bold titles come out regular, which is the price of shipping one file.
    /// </summary>
    private sealed class EmbeddedResolver(SKTypeface typeface) : IFontResolver
    {
        public SKTypeface CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing width) => typeface;
        public SKTypeface CreateTypeface(string fontName, bool bold, bool italic) => typeface;
    }
}
