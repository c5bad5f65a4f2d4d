// Editor helpers shared by this package's node dialogs. Node-RED serves a package's resources/ folder at
// resources/<package name>/, and each node's html loads this file with a <script src>. The nodes call these
// helpers only from oneditprepare (when a dialog opens), never while registerType runs, so it does not matter
// whether the editor has finished loading this file when a node's html is appended.
(function () {
  'use strict';

  /** The dialog's input for a field: `node-input-<key>`, or `node-config-input-<key>` in a config node. */
  function input(prefix, key) {
    return $('#' + prefix + key);
  }

  // The shared dialog styles (resources/editor.css, e.g. the wider label class), added to the page once, from
  // the same root Node-RED loads this script from. Without a page (the unit tests run this file bare) there is
  // nothing to style.
  if (typeof document !== 'undefined' && !document.getElementById('solar-telemetry-editor-css')) {
    const link = document.createElement('link');
    link.id = 'solar-telemetry-editor-css';
    link.rel = 'stylesheet';
    link.href = ((window.RED && RED.settings && RED.settings.apiRootUrl) || '') + 'resources/node-red-contrib-solar-telemetry/editor.css';
    document.head.appendChild(link);
  }

  window.SolarTelemetryEditor = {
    /**
     * Shows each group of rows (by class) only while the choice field holds one of its values, e.g.
     * { 'modbus-bus-serial': ['serial'] }. Returns the function that updates them.
     */
    showByChoice: function (prefix, key, groups) {
      const show = function () {
        const chosen = input(prefix, key).val();
        Object.keys(groups).forEach(function (cls) {
          $('.' + cls).toggle(groups[cls].indexOf(chosen) >= 0);
        });
      };
      input(prefix, key).on('change', show);
      show();
      return show;
    },

    /** Shows the writes warning while "Allow writes" is ticked. */
    allowWritesWarning: function (warning) {
      const box = $('#node-input-allowWrites');
      const warn = function () {
        $(warning).toggle(box.is(':checked'));
      };
      box.on('change', warn);
      warn();
    },

    /** Offers the host's ports (the node's admin endpoint) in text inputs: { '#input id': function (ports) { return list; } }. */
    portAutocomplete: function (url, pickers) {
      $.getJSON(url, function (ports) {
        Object.keys(pickers).forEach(function (selector) {
          $(selector).autocomplete({ source: pickers[selector](ports), minLength: 0 });
        });
      });
    },

    /** Whole-number fields of the schema as spinners bounded by the schema's min and max. */
    numberInputs: function (prefix, fields) {
      Object.keys(fields).forEach(function (key) {
        const field = fields[key];
        const el = input(prefix, key);
        if (field.kind === 'whole' && el.is('input[type=text]')) el.spinner({ min: field.min, max: field.max });
      });
    },

    /**
     * A field whose default follows a choice (schema `defaultBy`, e.g. the port by transport): when the choice
     * changes and the field is empty or still holds the old choice's default, it takes the new choice's default.
     */
    followDefault: function (prefix, fields, key) {
      const by = fields[key].defaultBy;
      const defaultFor = function (choice) {
        return String(by.values[choice] !== undefined ? by.values[choice] : fields[key].default);
      };
      const choice = input(prefix, by.field);
      let previous = choice.val();
      choice.on('change', function () {
        const now = choice.val();
        const field = input(prefix, key);
        const value = String(field.val()).trim();
        if (value === '' || value === defaultFor(previous)) field.val(defaultFor(now));
        previous = now;
      });
    },
  };
})();
