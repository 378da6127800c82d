-- man.lua - pandoc filter that turns a page of docs/man/ (Markdown that also
-- reads well on its own) into a man page: the "# mmreplay-x(1)" heading
-- becomes the title, "## NAME" and the other level-2 headings the page's
-- sections, every table a list of tagged paragraphs (.TP, the way man pages
-- show options), and a link its text alone, since a terminal cannot follow it.

local title, section

local function plain(inlines)
  return pandoc.utils.stringify(inlines)
end

function Header(h)
  if h.level == 1 then
    local name, sec = plain(h.content):match("^(.-)%((%d)%)$")
    if name then
      title, section = name:upper(), sec
      return {}
    end
    -- A heading of the command-line overview (docs/cli.md): a section.
    h.level = 1
    h.content = { pandoc.Str(plain(h.content):upper()) }
    return h
  end
  h.level = h.level - 1
  if h.level == 1 then
    h.content = { pandoc.Str(plain(h.content):upper()) }
  end
  return h
end

function Link(l)
  return l.content
end

-- A row's cells as a definition: the first cell is the tag, the last the
-- paragraph, and the cells between follow it as "Default: 1." (their
-- column's heading), so that an option's default ends its description.
local function row_item(cells, heads)
  local tag = pandoc.utils.blocks_to_inlines(cells[1].contents)
  local body = pandoc.utils.blocks_to_inlines(cells[#cells].contents)
  for i = 2, #cells - 1 do
    local text = plain(cells[i].contents)
    if text ~= "" then
      local head = (heads[i] or ""):gsub("^%l", string.upper)
      table.insert(body, pandoc.Space())
      table.insert(body, pandoc.Emph({ pandoc.Str(head .. ":") }))
      table.insert(body, pandoc.Space())
      for _, x in ipairs(pandoc.utils.blocks_to_inlines(cells[i].contents)) do table.insert(body, x) end
      if not text:match("[.)]$") then table.insert(body, pandoc.Str(".")) end
    end
  end
  return { tag, { pandoc.Para(body) } }
end

function Table(t)
  local heads = {}
  if t.head and t.head.rows[1] then
    for i, c in ipairs(t.head.rows[1].cells) do heads[i] = plain(c.contents) end
  end
  local items = {}
  for _, b in ipairs(t.bodies) do
    for _, r in ipairs(b.body) do
      table.insert(items, row_item(r.cells, heads))
    end
  end
  return pandoc.DefinitionList(items)
end

function Meta(m)
  if title then
    m.title = pandoc.MetaInlines({ pandoc.Str(title) })
    m.section = pandoc.MetaInlines({ pandoc.Str(section) })
  end
  return m
end

return { { Header = Header, Link = Link, Table = Table }, { Meta = Meta } }
