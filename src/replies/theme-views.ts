import type { Catalogue } from '../domain/categories.ts';
import type { Language } from '../domain/classification.ts';
import type { SubtopicCatalogue } from '../domain/subtopics.ts';
import { html } from '../i18n/html.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { Theme } from '../problems/themes.ts';

/** How district-wide themes (一类问题) read: /themes, the one-time alert to staff chats, and the digest's blocks. */
export interface ThemeViews {
  list(language: Language, themes: readonly Theme[], days: number, minUnits: number): string;
  alert(language: Language, theme: Theme, days: number): string;
  /** The digest's blocks: the period's top subtopics and its themes; null when there is neither. */
  digest(language: Language, top: ReadonlyArray<{ subtopic: string; reports: number; units: number }>, themes: readonly Theme[], days: number): string | null;
}

/** Units named on one theme line; the rest are counted. */
const UNITS_SHOWN = 8;
/** Themes listed in one answer: the message stays inside Telegram's limit. */
const THEMES_SHOWN = 20;
/** The digest names the widest few; /themes has the rest. */
const THEMES_IN_DIGEST = 5;

export function createThemeViews(tr: Translator, catalogue: Pick<Catalogue, 'name'>, subtopics: Pick<SubtopicCatalogue, 'get'>, unitName: (unitId: string) => string): ThemeViews {
  /** 食堂餐饮 › 饭菜质量与温度 */
  const subtopicName = (language: Language, id: string) => {
    const subtopic = subtopics.get(id);
    return subtopic ? `${catalogue.name(subtopic.category, language)} › ${subtopic.name[language]}` : id;
  };

  function unitList(language: Language, theme: Theme): string {
    const shown = theme.units.slice(0, UNITS_SHOWN).map((u) => tr.t(language, 'themes.unit', { unit: unitName(u.unitId), n: u.reports }));
    const more = theme.units.length - shown.length;
    return shown.join(language === 'zh' ? '、' : ', ') + (more > 0 ? tr.t(language, 'themes.more_units', { n: more }) : '');
  }

  const line = (language: Language, theme: Theme) =>
    tr.t(language, 'themes.line', { subtopic: subtopicName(language, theme.subtopic), units: theme.units.length, reports: theme.reports, list: html(unitList(language, theme)) });

  return {
    list(language, themes, days, minUnits) {
      if (themes.length === 0) return tr.t(language, 'themes.empty', { days, min: minUnits });
      return [
        tr.t(language, 'themes.header', { days, min: minUnits, n: themes.length }),
        ...themes.slice(0, THEMES_SHOWN).map((theme) => line(language, theme)),
        tr.t(language, 'themes.hint'),
      ].join('\n\n');
    },

    alert(language, theme, days) {
      return tr.t(language, 'themes.alert', {
        subtopic: subtopicName(language, theme.subtopic),
        days,
        units: theme.units.length,
        reports: theme.reports,
        list: html(unitList(language, theme)),
        id: theme.subtopic,
      });
    },

    digest(language, top, themes, days) {
      const blocks: string[] = [];
      if (top.length > 0) {
        blocks.push([tr.t(language, 'digest.subtopics.header'), ...top.map((t) => tr.t(language, 'digest.subtopics.line', { subtopic: subtopicName(language, t.subtopic), reports: t.reports, units: t.units }))].join('\n'));
      }
      if (themes.length > 0) {
        const more = themes.length - THEMES_IN_DIGEST;
        blocks.push(
          [
            tr.t(language, 'digest.themes.header', { days }),
            ...themes.slice(0, THEMES_IN_DIGEST).map((theme) => line(language, theme)),
            ...(more > 0 ? [tr.t(language, 'digest.themes.more', { n: more })] : []),
          ].join('\n'),
        );
      }
      return blocks.length > 0 ? blocks.join('\n\n') : null;
    },
  };
}
