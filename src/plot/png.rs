//! PNG charts with text spaced right: plotters' bitmap backend, with its text drawn here
//! glyph by glyph at each glyph's own left bearing. plotters 0.3.7's ab_glyph text puts
//! every glyph's bitmap at the start of its advance, so narrow glyphs (`.`, `1`, `:`)
//! sit left of where they belong (`moons. csv`, `lr 0. 001`).

use ab_glyph::{Font, FontRef, ScaleFont};
use plotters::prelude::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
};

/// The font every chart uses (the one registered for plotters as well).
fn font() -> Option<FontRef<'static>> {
    FontRef::try_from_slice(super::FONT_BYTES).ok()
}

/// A bitmap backend whose text is laid out with bearings; everything else is plotters'.
pub struct Png<'a>(pub BitMapBackend<'a>);

impl DrawingBackend for Png<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (width, height): (u32, u32),
        src: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.0.blit_bitmap(pos, (width, height), src)
    }

    /// The text's box as plotters measures it (advances and kerning), its glyphs each
    /// placed at its advance plus its own left bearing, anchored and turned as asked.
    #[allow(clippy::cast_possible_truncation, reason = "pixel positions")]
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        let Some(font) = font().filter(|_| color.alpha > 0.0) else {
            return self.0.draw_text(text, style, pos);
        };
        let ((min_x, min_y), (max_x, max_y)) =
            style.layout_box(text).map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let size = style.size() as f32;
        let scaled = font.as_scaled(size);
        let transform = style.transform();
        let (w, h) = self.get_size();
        let mut advance = 0f32;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                advance += scaled.kern(previous, id);
            }
            previous = Some(id);
            let glyph = id.with_scale(size);
            if let Some(outline) = scaled.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                // plotters' baseline: the glyph's top at half the size plus its top bound.
                let top = (size / 2.0 + bounds.min.y) as i32;
                let left = (advance + bounds.min.x) as i32;
                let mut pixels = Vec::new();
                #[allow(clippy::cast_possible_wrap, reason = "a glyph's pixels, within its few dozen")]
                outline.draw(|x, y, coverage| pixels.push((x as i32 + left, y as i32 + top, coverage)));
                #[allow(clippy::cast_possible_wrap, reason = "a picture's width and height, 1200 x 800")]
                for (x, y, coverage) in pixels {
                    let (x, y) = transform.transform(x + dx - min_x, y + dy - min_y);
                    let (x, y) = (pos.0 + x, pos.1 + y);
                    if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                        let alpha = color.alpha * f64::from(coverage);
                        self.0.draw_pixel((x, y), BackendColor { alpha, rgb: color.rgb })?;
                    }
                }
            }
            advance += scaled.h_advance(id);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::prelude::*;

    /// A `.` in a monospace font sits mid-cell: its ink's centre is half an advance in,
    /// not at the cell's start (plotters' own text puts it at about a fifth).
    #[test]
    fn narrow_glyphs_sit_at_their_bearing() {
        let (width, height) = (60u32, 40u32);
        let mut pixels = vec![255u8; (width * height * 3) as usize];
        {
            let backend = Png(BitMapBackend::with_buffer(&mut pixels, (width, height)));
            let root = backend.into_drawing_area();
            super::super::register_font();
            let style = TextStyle::from((super::super::FONT, 24).into_font()).color(&BLACK);
            root.draw_text(".", &style, (0, 0)).unwrap();
            root.present().unwrap();
        }
        let ink: Vec<u32> =
            (0..width * height).filter(|i| pixels[(i * 3) as usize] < 128).map(|i| i % width).collect();
        assert!(!ink.is_empty());
        let centre = f64::from(ink.iter().sum::<u32>()) / ink.len() as f64;
        let font = font().unwrap();
        let advance = f64::from(font.as_scaled(24.0).h_advance(font.glyph_id('.')));
        assert!((centre - advance / 2.0).abs() < 1.5, "ink centre {centre}, advance {advance}");
    }
}
