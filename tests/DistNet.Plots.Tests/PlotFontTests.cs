using ScottPlot;

namespace DistNet.Plots.Tests;

public class PlotFontTests
{
    [Fact]
    public void The_embedded_font_loads_and_has_the_glyphs_plots_use()
    {
        var typeface = PlotFont.Typeface;
        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        // Titles use an em dash; axes digits, minus signs and letters.
        foreach (char c in "— accuracy 0.95 −1 perceptron")
            Assert.NotEqual(0, typeface.GetGlyph(c));
    }

    [Fact]
    public void Registered_text_never_depends_on_system_fonts()
    {
        PlotFont.Register();
        PlotFont.Register(); // idempotent
        Assert.Equal(PlotFont.Family, Fonts.Default);
        // Whatever family, weight or slant ScottPlot asks for, it gets the embedded typeface, so a
        // machine without fonts (where system look-ups find nothing and text vanishes) still has text.
        Assert.Same(PlotFont.Typeface, Fonts.GetTypeface(Fonts.Default, bold: false, italic: false));
        Assert.Same(PlotFont.Typeface, Fonts.GetTypeface("DejaVu Serif", bold: true, italic: false));
        Assert.Same(PlotFont.Typeface, Fonts.GetTypeface("No Such Font", bold: false, italic: true));
        Assert.Equal(1, Fonts.FontResolvers.Count(r => r.GetType().DeclaringType == typeof(PlotFont)));
    }
}
